"""What an attached image costs as input tokens, by OpenAI's documented tile formula (detail "high"/"auto"):
scale to fit 2048x2048, then the shortest side to 768; 85 tokens plus 170 per 512-pixel tile.

Used for the estimate before a request (budget reservation, price range) and for usage a provider
never reported; when it does report usage, its prompt_tokens already include the images.
"""
from __future__ import annotations

import math

BASE_TOKENS, TILE_TOKENS, TILE = 85, 170, 512


def image_tokens(width: int, height: int) -> int:
    if width <= 0 or height <= 0:
        return BASE_TOKENS
    scale = min(1.0, 2048 / max(width, height))
    w, h = width * scale, height * scale
    scale = min(1.0, 768 / min(w, h))
    w, h = w * scale, h * scale
    return BASE_TOKENS + TILE_TOKENS * math.ceil(w / TILE) * math.ceil(h / TILE)


def attachments_tokens(attachments) -> int:
    """The sum over attachments, given as `Attachment`s or the record's dicts (width, height)."""
    total = 0
    for item in attachments or ():
        width = item.get("width", 0) if isinstance(item, dict) else item.width
        height = item.get("height", 0) if isinstance(item, dict) else item.height
        total += image_tokens(int(width or 0), int(height or 0))
    return total
