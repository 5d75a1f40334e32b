"""Copies of another generation's pictures, saved again under a new id (a shared-cache hit, a follower
of another user's generation): never a pointer to someone else's files."""
from __future__ import annotations

from ..errors import NotFound


def copy_images(images, pictures: list[dict], gen_id: str) -> list[dict]:
    """The pictures of another generation saved again as `gen_id`'s own files (a shared-cache hit
    must not point at someone else's files); a file that is missing or corrupt is left out."""
    copied = []
    for meta in pictures:
        try:
            copied.append(images.save(gen_id, len(copied), images.read(meta.get("path"))))
        except (NotFound, OSError, ValueError):  # PIL's "cannot identify image" is an OSError
            continue
    return copied

