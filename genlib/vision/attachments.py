"""Attached images: checked by their magic bytes, sized, and named by the sha256 of their bytes.

The sha256 is the image's only name: it is what the record keeps, what the dedup key hashes and
the storage key (`attachments/<sha[:2]>/<sha>`), so nothing a user types ever becomes a path.
The bytes travel with the request only until they are stored and sent (as a data: URL).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from ..errors import BadRequest

MAX_ATTACHMENTS = 4
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # below OpenAI's 20 MB per image, and kept in storage
MAX_PIXELS = 50_000_000  # a decompression bomb is refused before it is decoded
_SHA = re.compile(r"[0-9a-f]{64}")
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
          (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"))


@dataclass(frozen=True)
class Attachment:
    """One image: its content address and what the record keeps; `data` is not compared or shown."""

    sha256: str
    mime: str
    size: int
    width: int
    height: int
    data: bytes = field(default=b"", repr=False, compare=False)

    def meta(self) -> dict:
        """What the record keeps (attachments_json): never the bytes."""
        return {"sha256": self.sha256, "mime": self.mime, "bytes": self.size,
                "width": self.width, "height": self.height}

    def data_url(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


def mime_of(data: bytes) -> str | None:
    """PNG, JPEG, GIF or WebP by the first bytes; None for anything else."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((mime for magic, mime in _MAGIC if data.startswith(magic)), None)


def from_bytes(data: bytes, label: str = "The image") -> Attachment:
    """An attachment from a file's bytes, or BadRequest saying what is wrong with it."""
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise BadRequest(f"{label} is empty.")
    data = bytes(data)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise BadRequest(f"{label} is {len(data) / 1e6:.1f} MB; the limit is {MAX_ATTACHMENT_BYTES // 2**20} MB.")
    mime = mime_of(data)
    if mime is None:
        raise BadRequest(f"{label} is not a PNG, JPEG, WebP or GIF image.")
    width, height = _dimensions(data, label)
    return Attachment(hashlib.sha256(data).hexdigest(), mime, len(data), width, height, data)


def from_file(path: str | Path) -> Attachment:
    """An attachment from a file named on the command line (checked before it is read whole)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise BadRequest(f"{path} is not a file: give the path of a PNG, JPEG, WebP or GIF image.")
    if path.stat().st_size > MAX_ATTACHMENT_BYTES:
        raise BadRequest(f"{path.name} is over the {MAX_ATTACHMENT_BYTES // 2**20} MB limit for an attached image.")
    return from_bytes(path.read_bytes(), path.name)


def from_data_url(url: str) -> Attachment | None:
    """The attachment a `data:image/...;base64,` URL carries (the offline model reads them); None if not one."""
    head, _, payload = (url or "").partition(",")
    if not head.startswith("data:image/") or not head.endswith(";base64"):
        return None
    try:
        return from_bytes(base64.b64decode(payload, validate=True))
    except (BadRequest, binascii.Error, ValueError):
        return None


def check_count(attachments: tuple) -> None:
    if len(attachments) > MAX_ATTACHMENTS:
        raise BadRequest(f"{len(attachments)} images attached; at most {MAX_ATTACHMENTS} per prompt.")
    if any(not isinstance(a, Attachment) or not is_sha256(a.sha256) or not a.data for a in attachments):
        raise BadRequest("Attach images as files (genlib.vision.from_bytes).")


def is_sha256(value: object) -> bool:
    return isinstance(value, str) and _SHA.fullmatch(value) is not None


def attachment_key(sha256: str) -> str:
    """The storage name of an attachment; ValueError for anything but a sha256 hex digest."""
    if not is_sha256(sha256):
        raise ValueError("not a sha256 hex digest")
    return f"attachments/{sha256[:2]}/{sha256}"


def _dimensions(data: bytes, label: str) -> tuple[int, int]:
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size  # the header only: nothing is decoded yet
            if width * height > MAX_PIXELS:
                raise BadRequest(f"{label} is {width}x{height} pixels; the limit is {MAX_PIXELS:,} pixels.")
            image.verify()  # a truncated or corrupt file fails here
    except BadRequest:
        raise
    except Exception:  # noqa: BLE001 - PIL raises many kinds for a broken file
        raise BadRequest(f"{label} could not be read as an image (damaged or truncated?).") from None
    return width, height
