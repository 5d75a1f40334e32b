"""Small images for the vision tests: real PNG/JPEG/WebP/GIF bytes made with PIL."""
from __future__ import annotations

import io

from PIL import Image


def picture(size=(64, 48), color=(200, 30, 30), fmt="PNG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format=fmt)
    return buf.getvalue()
