"""Pictures in an S3 bucket (moto's server over real HTTP): saved at once with a thumbnail, read back
as bytes, recovered by generation id, never outside their names, never a public URL."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from genlib.errors import NotFound, StorageUnavailable
from genlib.ids import new_id


def _png(size=(64, 48), color="red", fmt="PNG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format=fmt)
    return buf.getvalue()


@pytest.fixture
def store(s3_bucket):
    from genlib.backends.s3 import S3ImageStore

    return S3ImageStore(s3_bucket.url("team/genvault"))


def _keys(store) -> list[str]:
    listing = store.client.list_objects_v2(Bucket=store.bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def test_a_picture_and_its_thumbnail_are_objects_under_the_prefix(store):
    gen_id = new_id()
    meta = store.save(gen_id, 0, _png())
    name = f"images/{gen_id[:2]}/{gen_id}-0"
    assert meta == {"path": f"{name}.png", "thumb": f"{name}.thumb.webp", "width": 64, "height": 48, "mime": "image/png"}
    assert _keys(store) == [f"team/genvault/{meta['path']}", f"team/genvault/{meta['thumb']}"]
    assert store.read(meta["path"]) == _png()
    assert Image.open(io.BytesIO(store.read(meta["thumb"]))).format == "WEBP"
    head = store.client.head_object(Bucket=store.bucket, Key=f"team/genvault/{meta['path']}")
    assert head["ContentType"] == "image/png"
    assert store.url(meta["path"]) is None and store.local_path(meta["path"]) is None


def test_webp_stays_webp_and_other_formats_become_png(store):
    gen_id = new_id()
    assert store.save(gen_id, 0, _png(fmt="WEBP"))["mime"] == "image/webp"
    jpeg = store.save(gen_id, 1, _png(fmt="JPEG"))
    assert jpeg["path"].endswith("-1.png") and Image.open(io.BytesIO(store.read(jpeg["path"]))).format == "PNG"


def test_corrupt_bytes_are_refused_before_anything_is_uploaded(store):
    with pytest.raises(OSError):
        store.save(new_id(), 0, b"not a picture")
    assert _keys(store) == []


@pytest.mark.parametrize("name", ["../x", "images/../../secret", "/etc/passwd", "", None, "images/ab/x.png",
                                  "images/zz/{id}-0.png", "images/{p}/{id}-0.png/../../other", "images/{p}/{id}-0.txt"])
def test_only_names_of_our_pictures_become_object_keys(store, name):
    gen_id = new_id()
    store.save(gen_id, 0, _png())
    if isinstance(name, str):
        name = name.format(id=gen_id, p=gen_id[:2])
    with pytest.raises(NotFound):
        store.read(name)


def test_a_missing_object_is_not_found(store):
    gen_id = new_id()
    with pytest.raises(NotFound):
        store.read(f"images/{gen_id[:2]}/{gen_id}-0.png")


def test_recover_finds_the_pictures_saved_before_a_crash_and_remakes_a_lost_thumbnail(store):
    gen_id, other = new_id(), new_id()
    first = store.save(gen_id, 0, _png(color="blue"))
    store.save(gen_id, 1, _png(fmt="WEBP"))
    store.save(other, 0, _png())
    store.client.delete_object(Bucket=store.bucket, Key=f"team/genvault/{first['thumb']}")
    found = store.recover(gen_id)
    assert [m["path"] for m in found] == [first["path"], f"images/{gen_id[:2]}/{gen_id}-1.webp"]
    assert Image.open(io.BytesIO(store.read(first["thumb"]))).format == "WEBP"
    assert store.recover(new_id()) == [] and store.recover("../x") == []


def test_a_picture_that_does_not_decode_is_not_recovered(store):
    gen_id = new_id()
    store.client.put_object(Bucket=store.bucket, Key=f"team/genvault/images/{gen_id[:2]}/{gen_id}-0.png", Body=b"half")
    assert store.recover(gen_id) == []


@pytest.mark.parametrize("url", ["s3://", "http://bucket/x", "s3://bucket/../x", "s3://bucket/a b"])
def test_a_blob_url_that_is_not_s3_bucket_prefix_is_refused(url):
    from genlib.backends.s3 import parse_blob_url

    with pytest.raises(ValueError):
        parse_blob_url(url)


def test_an_unreachable_object_store_is_a_storage_error(monkeypatch):
    import boto3
    from botocore.config import Config

    from genlib.backends.s3 import S3ImageStore

    client = boto3.client("s3", endpoint_url="http://127.0.0.1:1", aws_access_key_id="x", aws_secret_access_key="x",
                          region_name="us-east-1", config=Config(retries={"max_attempts": 1}, connect_timeout=1))
    store = S3ImageStore("s3://bucket/p", client=client)
    with pytest.raises(StorageUnavailable, match="object store can't be reached"):
        store.save(new_id(), 0, _png())
