"""Generated pictures in an S3-compatible bucket (`GENLIB_BLOB_URL=s3://bucket/prefix`).

Plain S3 through boto3, configured the standard way (`AWS_ENDPOINT_URL` for R2, MinIO or a test
server, keys, region). Objects are named like the local store's files (`images/<id[:2]>/<id>-<n>.png`
plus a `.thumb.webp`), under the prefix: the names follow from the generation id, so `recover` finds
the pictures of a generation whose replica died while saving them. A name read back must have
exactly that shape (id, index, known suffix) before it becomes an object key, so nothing from a
record or a URL can reach another object. The bucket stays private: `url` hands out nothing, the
app serves the bytes after its own access checks.
"""
from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image

from ...errors import NotFound, StorageUnavailable, first_line
from ...ids import looks_like_id, new_id
from ...vision import attachment_key, is_sha256
from ..local.images import _thumbnail, _to_png

_NAME = re.compile(r"images/([A-Za-z0-9_-]{2})/([A-Za-z0-9_-]{21})-(\d{1,4})(\.png|\.webp|\.thumb\.webp)")
_PREFIX = re.compile(r"[A-Za-z0-9._/-]{0,200}")
MIME = {"png": "image/png", "webp": "image/webp"}


def parse_blob_url(url: str) -> tuple[str, str]:
    """(bucket, key prefix without slashes at its ends) of `s3://bucket/prefix`."""
    parts = urlsplit(url)
    prefix = parts.path.strip("/")
    if parts.scheme != "s3" or not parts.netloc or not _PREFIX.fullmatch(prefix) or ".." in prefix.split("/"):
        raise ValueError(f"not an object store URL of the form s3://bucket/prefix: {url!r}")
    return parts.netloc, prefix


class S3ImageStore:
    def __init__(self, url: str, client=None):
        self.bucket, self.prefix = parse_blob_url(url)
        if client is None:
            import boto3  # here: the embedded default never loads boto3

            client = boto3.client("s3")
        self.client = client

    def save(self, gen_id: str, index: int, data: bytes) -> dict:
        """Upload the picture (PNG, or WebP if it came as WebP) and its thumbnail; each PUT is
        atomic, the picture first (a thumbnail can be remade from it, not the other way)."""
        if not looks_like_id(gen_id) or not isinstance(index, int) or not 0 <= index < 10_000:
            raise ValueError("not a generation id and picture index")
        image = Image.open(io.BytesIO(data))
        image.load()  # fails here on corrupt bytes, before anything is sent
        ext = "webp" if image.format == "WEBP" else "png"
        name = f"images/{gen_id[:2]}/{gen_id}-{index}.{ext}"
        self._put(name, data if image.format in ("PNG", "WEBP") else _to_png(image), MIME[ext])
        self._put(_thumb_of(name), _thumbnail(image), MIME["webp"])
        return _meta(name, image, MIME[ext])

    def read(self, name: str) -> bytes:
        """The bytes of a stored picture or thumbnail; NotFound if missing or not one of ours."""
        key = self._key(name)
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            raise NotFound("Image not found.") from None
        except Exception as exc:  # botocore's errors: unreachable, denied, throttled
            raise _unavailable(exc) from exc

    def delete(self, name: str) -> None:
        try:
            key = self._key(name)
        except NotFound:
            return  # not one of ours: nothing of ours to remove
        try:  # S3 answers a delete of a missing key with success too
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            raise _unavailable(exc) from exc

    def url(self, name: str) -> str | None:
        return None  # never a bucket URL: the app serves the bytes with its access checks

    def local_path(self, name: str) -> Path | None:
        return None

    def recover(self, gen_id: str) -> list[dict]:
        """The pictures saved under gen_id (index 0, 1, ... while they exist and decode), thumbnails
        remade where missing. For claiming a dead replica's generations."""
        if not looks_like_id(gen_id):
            return []
        stored = self._listing(f"images/{gen_id[:2]}/{gen_id}-")
        found = []
        while (name := _written(stored, gen_id, len(found))) is not None:
            try:
                image = Image.open(io.BytesIO(self.read(name)))
                image.load()
            except (NotFound, OSError, ValueError):  # unreadable: not attached (the row says it was lost)
                break
            if _thumb_of(name) not in stored:
                self._put(_thumb_of(name), _thumbnail(image), MIME["webp"])
            found.append(_meta(name, image, MIME[name.rsplit(".", 1)[1]]))
        return found

    def save_attachment(self, sha256: str, data: bytes, mime: str) -> None:
        """PUT an attached image under `attachments/<sha[:2]>/<sha>` (the same bytes again change nothing)."""
        key = self._full(attachment_key(sha256))  # ValueError for anything but a hex digest
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=mime)
        except Exception as exc:
            raise _unavailable(exc) from exc

    def read_attachment(self, sha256: str) -> bytes:
        if not is_sha256(sha256):
            raise NotFound("Attachment not found.")
        try:
            key = self._full(attachment_key(sha256))
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            raise NotFound("Attachment not found.") from None
        except Exception as exc:
            raise _unavailable(exc) from exc

    def probe(self) -> None:
        """A real write for `genlib doctor`: a small object under `probe/` put, read back, deleted."""
        key, token = self._full(f"probe/{new_id()}"), new_id().encode()
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=token)
            same = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read() == token
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            raise _unavailable(exc) from exc
        if not same:
            raise StorageUnavailable("The object store read back a different value than it wrote.")

    def _listing(self, start: str) -> set[str]:
        full = self._full(start)
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=full)
            return {item["Key"][len(full) - len(start):] for page in pages for item in page.get("Contents", [])}
        except Exception as exc:
            raise _unavailable(exc) from exc

    def _put(self, name: str, payload: bytes, mime: str) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(name), Body=payload, ContentType=mime)
        except Exception as exc:
            raise _unavailable(exc) from exc

    def _key(self, name: str) -> str:
        match = _NAME.fullmatch(name) if isinstance(name, str) else None
        if match is None or match.group(1) != match.group(2)[:2]:
            raise NotFound("Image not found.")
        return self._full(name)

    def _full(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name


def _written(stored: set[str], gen_id: str, index: int) -> str | None:
    for ext in ("png", "webp"):
        name = f"images/{gen_id[:2]}/{gen_id}-{index}.{ext}"
        if name in stored:
            return name
    return None


def _thumb_of(name: str) -> str:
    return name.rsplit(".", 1)[0] + ".thumb.webp"


def _meta(name: str, image: Image.Image, mime: str) -> dict:
    return {"path": name, "thumb": _thumb_of(name), "width": image.width, "height": image.height, "mime": mime}


def _unavailable(exc: Exception) -> StorageUnavailable:
    return StorageUnavailable(f"The object store can't be reached ({first_line(exc)}).")
