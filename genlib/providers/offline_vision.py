"""The offline demo model's eyes: it takes OpenAI image_url content parts, says how many images it
got (with their size and type), and counts them as input tokens by OpenAI's tile formula, so vision
input can be tried without a provider.
"""
from __future__ import annotations

from ..vision import Attachment, attachments_tokens, from_data_url


def flatten_images(messages: list[dict]) -> tuple[list[dict], list[Attachment | None]]:
    """The messages with each list of content parts joined to its text, and the images they held
    (None for an image_url that is not a readable data: URL)."""
    flat, images = [], []
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, list):
            flat.append(message)
            continue
        texts = [str(p.get("text") or "") for p in content if isinstance(p, dict) and p.get("type") == "text"]
        for part in content:
            if isinstance(part, dict) and part.get("type") == "image_url":
                images.append(from_data_url(str((part.get("image_url") or {}).get("url") or "")))
        flat.append({**message, "content": " ".join(texts)})
    return flat, images


def seen_note(images: list[Attachment | None]) -> str:
    """"I see 2 images: a 640x480 PNG, a 32x32 JPEG." (empty without images)."""
    if not images:
        return ""
    described = [f"a {a.width}x{a.height} {a.mime.split('/')[1].upper()}" if a else "one I could not read"
                 for a in images]
    noun = "image" if len(images) == 1 else "images"
    return f"**I see {len(images)} {noun}:** {', '.join(described)}."


def image_input_tokens(images: list[Attachment | None]) -> int:
    return attachments_tokens([a for a in images if a is not None]) + 85 * sum(1 for a in images if a is None)
