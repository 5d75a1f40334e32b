"""Checks a `GenerationRequest` before anything is stored or sent, with messages users can act on.

Bad input never reaches the database or a provider: it is refused here with a `BadRequest`.
"""
from __future__ import annotations

from .errors import BadRequest
from .records import KINDS, MAX_PROMPT_CHARS, GenerationRequest
from .vision import check_count

MAX_TOKENS = 1_000_000  # the most one request may ask for (budgets can't send more either)
IMAGE_SIZES = ("auto", "256x256", "512x512", "1024x1024", "1024x1536", "1536x1024", "1792x1024", "1024x1792")
IMAGE_QUALITIES = ("auto", "low", "medium", "high", "standard", "hd")
_NUMERIC = {  # name: (type, low, high)
    "temperature": (float, 0.0, 2.0),
    "top_p": (float, 0.0, 1.0),
    "max_tokens": (int, 1, MAX_TOKENS),
    "seed": (int, -(2**63), 2**63 - 1),
    "n": (int, 1, 10),
}


def check_request(request: GenerationRequest) -> GenerationRequest:
    """Return the request with parameters normalized, or raise BadRequest."""
    _check_text("prompt", request.prompt, required=True)
    _check_text("system prompt", request.system_prompt, required=False)
    if request.kind not in KINDS:
        raise BadRequest(f"Unknown output kind '{str(request.kind)[:20]}': use text or image.")
    if not isinstance(request.model, str) or not request.model.strip() or len(request.model) > 200:
        raise BadRequest("Choose a model.")
    _check_text("model name", request.model, required=True)
    for message in request.history:
        _check_text("earlier message", message.get("content"), required=False)
    check_count(tuple(request.attachments))
    return GenerationRequest(**{**vars(request), "params": _check_params(request.params),
                                "attachments": tuple(request.attachments)})


def valid_unicode(text: str | None) -> str | None:
    """Text as it can be stored: lone surrogates (a provider's stray JSON escape, undecodable bytes
    on a command line) become U+FFFD; valid text comes back unchanged, cheaply."""
    if not text:
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _check_text(label: str, value: object, required: bool) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str):
        raise BadRequest(f"The {label} must be text.")
    if required and not value.strip():
        raise BadRequest(f"The {label} is empty: write something to generate from.")
    if len(value) > MAX_PROMPT_CHARS:
        raise BadRequest(f"The {label} is {len(value):,} characters; the limit is {MAX_PROMPT_CHARS:,}.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(f"The {label} contains invalid Unicode (a lone surrogate); "
                         "remove it and try again.") from None


def _check_params(params: dict) -> dict:
    if not isinstance(params, dict):
        raise BadRequest("Parameters must be a mapping.")
    clean = {}
    for name, value in params.items():
        if value is None or value == "":
            continue
        if name in _NUMERIC:
            clean[name] = _number(name, value, *_NUMERIC[name])
        elif name == "size":
            clean[name] = _choice(name, value, IMAGE_SIZES)
        elif name == "quality":
            clean[name] = _choice(name, value, IMAGE_QUALITIES)
        else:
            raise BadRequest(f"Unknown parameter '{str(name)[:40]}'.")
    return clean


def _number(name: str, value: object, kind: type, low: float, high: float):
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} must be a number.") from None
    if isinstance(value, float) and kind is int and value != int(value):
        raise BadRequest(f"{name} must be a whole number.")
    if not low <= number <= high:
        raise BadRequest(f"{name} must be between {low} and {high}.")
    return number


def _choice(name: str, value: object, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise BadRequest(f"{name} must be one of: {', '.join(allowed)}.")
    return value
