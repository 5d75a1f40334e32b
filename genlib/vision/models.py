"""Which models accept images: a built-in list of OpenAI vision model families, plus
GENLIB_VISION_MODELS (comma-separated names or prefixes ending in `*`) for any other.

A request with images for a model not on the list is refused before anything is stored or sent.
"""
from __future__ import annotations

from ..errors import BadRequest

# Prefixes of OpenAI chat models that take image input (gpt-3.5 and o1-mini/o3-mini do not).
VISION_PREFIXES = ("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-4-turbo", "gpt-5", "chatgpt-4o", "o1", "o3", "o4-mini",
                   "offline-demo")
NO_VISION = ("o1-mini", "o3-mini", "gpt-4o-audio", "gpt-4o-mini-audio", "gpt-4o-transcribe",
             "gpt-4o-mini-transcribe", "gpt-4o-mini-tts", "gpt-4o-realtime", "gpt-4o-mini-realtime")


def accepts_images(model: str, extra: tuple[str, ...] = ()) -> bool:
    """True for a model known to take images, or named in `extra` (exact, or a prefix ending in *)."""
    name = (model or "").strip().lower()
    for item in (e.strip().lower() for e in extra if e and e.strip()):
        if name == item or (item.endswith("*") and name.startswith(item[:-1])):
            return True
    if name.startswith(NO_VISION):
        return False
    return name.startswith(VISION_PREFIXES)


def check_vision(model: str, kind: str, count: int, extra: tuple[str, ...] = ()) -> None:
    """Refuse attachments a request can't use: image generation, or a model that takes no images."""
    if not count:
        return
    if kind != "text":
        raise BadRequest("Images can be attached to text prompts only, not to image generation.")
    if not accepts_images(model, extra):
        raise BadRequest(f"The model {model[:80]} does not accept images. Choose a vision model (e.g. gpt-4o-mini), "
                         "remove the images, or add the model to GENLIB_VISION_MODELS if it does take them.")
