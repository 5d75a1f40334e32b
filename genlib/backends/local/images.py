"""The image store: generated images become files under the data dir the moment they arrive.

Files are named by generation id and index (`images/<id[:2]>/<id>-<n>.png`) with a small WebP
thumbnail beside them; the database holds only these relative paths. Because the names follow
from the id, `recover` finds the pictures of a generation whose process died while saving them.
Every path read back is resolved and checked to stay under the root, so a crafted path can't
escape the data dir. This is the embedded `ImageStore` (backends/base.py).
"""
from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image

from ...errors import NotFound
from ...ids import looks_like_id
from ...vision import attachment_key, is_sha256

THUMB_SIZE = (256, 256)


class LocalImageStore:
    """Images as files under `root` (the data dir); relative paths in the records."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    def save(self, gen_id: str, index: int, data: bytes) -> dict:
        """Write the image (PNG, or WebP if it came as WebP) and a thumbnail; fsync both."""
        if not looks_like_id(gen_id):
            raise ValueError("not a generation id")
        image = Image.open(io.BytesIO(data))
        image.load()  # fails here on corrupt bytes, before anything is written
        ext, mime = ("webp", "image/webp") if image.format == "WEBP" else ("png", "image/png")
        rel = Path("images") / gen_id[:2] / f"{gen_id}-{index}.{ext}"
        payload = data if image.format in ("PNG", "WEBP") else _to_png(image)
        self._write(rel, payload)
        self._write(_thumb_of(rel), _thumbnail(image))
        return _meta(rel, image, mime)

    def recover(self, gen_id: str) -> list[dict]:
        """The pictures written for `gen_id` (index 0, 1, ... while they exist and decode), thumbnails
        remade where missing; unfinished temporary files are removed. For the start-up sweep."""
        if not looks_like_id(gen_id):
            return []
        folder = self.root / "images" / gen_id[:2]
        for tmp in folder.glob(f"{gen_id}-*.tmp"):
            tmp.unlink(missing_ok=True)
        found = []
        while (rel := _written(folder, gen_id, len(found))) is not None:
            try:
                with Image.open(self.root / rel) as image:
                    image.load()
                    if not (self.root / _thumb_of(rel)).is_file():
                        self._write(_thumb_of(rel), _thumbnail(image))
                    found.append(_meta(rel, image, "image/webp" if image.format == "WEBP" else "image/png"))
            except (OSError, ValueError):  # unreadable: not attached (the sweep says it was lost)
                break
        return found

    def save_attachment(self, sha256: str, data: bytes, mime: str) -> None:
        """Write an attached image under its sha256 (once: the name is the content)."""
        rel = Path(attachment_key(sha256))  # ValueError for anything but a hex digest
        if not (self.root / rel).is_file():
            self._write(rel, data)

    def read_attachment(self, sha256: str) -> bytes:
        if not is_sha256(sha256):
            raise NotFound("Attachment not found.")
        try:
            return (self.root / attachment_key(sha256)).read_bytes()
        except OSError as exc:
            raise NotFound("The attached image is missing or unreadable.") from exc

    def resolve(self, relpath: str) -> Path:
        """The absolute path of a stored file; NotFound for anything outside the root."""
        if not isinstance(relpath, str) or not relpath or "\x00" in relpath:
            raise NotFound("Image not found.")
        path = (self.root / relpath).resolve()
        if not path.is_relative_to(self.root / "images"):
            raise NotFound("Image not found.")
        return path

    def url(self, relpath: str) -> str | None:
        """None: local files are served by the app itself (ui/routes.py)."""
        return None

    def local_path(self, relpath: str) -> Path:
        return self.resolve(relpath)

    def delete(self, relpath: str) -> None:
        try:
            self.resolve(relpath).unlink(missing_ok=True)
        except NotFound:
            pass  # not one of ours: nothing of ours to remove

    def read(self, relpath: str) -> bytes:
        path = self.resolve(relpath)
        try:
            return path.read_bytes()
        except OSError as exc:
            raise NotFound(f"The image file {relpath} is missing or unreadable.") from exc

    def _write(self, rel: Path, payload: bytes) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        with open(tmp, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)  # atomic: a reader never sees half a file


def _written(folder: Path, gen_id: str, index: int) -> Path | None:
    for ext in ("png", "webp"):
        if (folder / f"{gen_id}-{index}.{ext}").is_file():
            return Path("images") / gen_id[:2] / f"{gen_id}-{index}.{ext}"
    return None


def _thumb_of(rel: Path) -> Path:
    return rel.with_name(rel.name.rsplit(".", 1)[0] + ".thumb.webp")


def _meta(rel: Path, image: Image.Image, mime: str) -> dict:
    return {"path": rel.as_posix(), "thumb": _thumb_of(rel).as_posix(),
            "width": image.width, "height": image.height, "mime": mime}


def _to_png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    thumb = image.convert("RGB") if image.mode not in ("RGB", "RGBA") else image.copy()
    thumb.thumbnail(THUMB_SIZE)
    buf = io.BytesIO()
    thumb.save(buf, format="WEBP", quality=80)
    return buf.getvalue()
