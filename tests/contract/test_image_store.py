"""ImageStore contract: pictures saved by generation id, read back as bytes, never outside the store."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from genlib import NotFound, new_id


def png(size=(64, 48), color=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def test_a_saved_picture_and_its_thumbnail_read_back(backend):
    gen_id, data = new_id(), png()
    meta = backend.images.save(gen_id, 0, data)
    assert (meta["width"], meta["height"], meta["mime"]) == (64, 48, "image/png")
    assert backend.images.read(meta["path"]) == data
    with Image.open(io.BytesIO(backend.images.read(meta["thumb"]))) as thumb:
        assert max(thumb.size) <= 256
    url, local = backend.images.url(meta["path"]), backend.images.local_path(meta["path"])
    assert url is None or isinstance(url, str)
    assert local is None or Path(local).read_bytes() == data


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "", "images/../../x.png", "a\x00b"])
def test_names_outside_the_store_are_not_found(backend, name):
    with pytest.raises(NotFound):
        backend.images.read(name)


def test_a_missing_picture_is_not_found(backend):
    meta = backend.images.save(new_id(), 0, png())
    with pytest.raises(NotFound):
        backend.images.read(meta["path"].replace("-0.", "-7."))


def test_corrupt_bytes_are_refused_before_anything_is_stored(backend):
    gen_id = new_id()
    with pytest.raises(Exception):
        backend.images.save(gen_id, 0, b"not a picture")
    assert backend.images.recover(gen_id) == []


def test_recover_finds_the_pictures_saved_under_an_id(backend):
    gen_id = new_id()
    saved = [backend.images.save(gen_id, i, png(color=(i * 50, 0, 0))) for i in range(2)]
    assert [m["path"] for m in backend.reopen().images.recover(gen_id)] == [m["path"] for m in saved]
    assert backend.images.recover(new_id()) == []


def test_an_attachment_is_kept_by_its_sha256_and_read_back(backend):
    from genlib.vision import from_bytes

    att = from_bytes(png(color=(1, 2, 3)))
    backend.images.save_attachment(att.sha256, att.data, att.mime)
    backend.images.save_attachment(att.sha256, att.data, att.mime)  # again: nothing changes
    assert backend.reopen().images.read_attachment(att.sha256) == att.data
    with pytest.raises(NotFound):
        backend.images.read_attachment("0" * 64)


@pytest.mark.parametrize("name", ["../../etc/passwd", "A" * 64, "0" * 63, "", None])
def test_an_attachment_name_that_is_not_a_sha256_reaches_no_object(backend, name):
    with pytest.raises(NotFound):
        backend.images.read_attachment(name)
    with pytest.raises(ValueError):
        backend.images.save_attachment(name, b"x", "image/png")
