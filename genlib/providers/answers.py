"""Is a 200 the answer asked for? Not an error object, a login page, or image bytes that aren't a picture.

`NotAnApiAnswer` carries a plain message (the provider's own words where it gave some) and any
usage the provider reported, so the worker stores and prices it even though the answer is refused.
"""
from __future__ import annotations

import base64
import binascii
import io
import json
from collections.abc import Iterator

import httpx2
from PIL import Image

from ..errors import GenlibError


class NotAnApiAnswer(GenlibError):
    """HTTP 200, but the body is an error object or a web page rather than the answer asked for."""

    def __init__(self, message: str, usage: dict | None = None):
        super().__init__(message)
        self.usage = usage  # what the provider reported, to be stored and priced all the same


def unexpected_body(content_type: str, body: bytes) -> NotAnApiAnswer | None:
    """The error for a 200 answer that isn't an API answer (an error object, a web page), else None."""
    text = body.decode("utf-8", "replace").strip()
    if "html" in content_type.lower() or text[:1] == "<":
        return NotAnApiAnswer("The endpoint answered with a web page, not an API response "
                              "(check OPENAI_BASE_URL).")
    try:
        payload = json.loads(text)
    except ValueError:
        return None
    error = payload.get("error") if isinstance(payload, dict) else None
    if not error:
        return None
    message = error.get("message") if isinstance(error, dict) else error
    return NotAnApiAnswer(f"The provider answered with an error: {str(message or error).rstrip('.')}.")


def image_answer(parsed: object, response: httpx2.Response) -> tuple[list[bytes], dict | None]:
    """(decoded pictures, usage) from images.generate's parsed answer; NotAnApiAnswer otherwise."""
    raw_usage = getattr(parsed, "usage", None)  # a web page parses to a str: no attributes at all
    usage = raw_usage.model_dump() if raw_usage is not None else None
    images = [_picture(item.b64_json, usage) for item in getattr(parsed, "data", None) or [] if item.b64_json]
    if not images:  # only then read the body again: a real answer is megabytes of base64
        content_type = response.headers.get("content-type", "")
        raise unexpected_body(content_type, response.content) or NotAnApiAnswer(
            "The provider returned no image data.", usage)
    return images, usage


def _picture(b64: str, usage: dict | None) -> bytes:
    """The decoded image, checked to be a picture PIL can read (the usage rides along on refusal)."""
    try:
        data = base64.b64decode(b64)
    except (binascii.Error, ValueError) as exc:
        raise NotAnApiAnswer("The provider returned image data that isn't valid base64.", usage) from exc
    try:
        Image.open(io.BytesIO(data)).verify()  # reads the structure and checksums, not the pixels
    except Exception as exc:  # noqa: BLE001 - PIL raises OSError, SyntaxError, struct.error... for bad files
        raise NotAnApiAnswer(f"The provider returned image data that isn't a picture ({len(data):,} bytes).",
                             usage) from exc
    return data


def refuse_non_stream(response: httpx2.Response) -> None:
    """A 200 that isn't an event stream (an error object, a login page): its own message, not a "drop"."""
    content_type = response.headers.get("content-type", "").lower()
    if "json" not in content_type and "html" not in content_type:
        return  # event-stream, or a lax server's text/plain SSE: the SSE decoder will tell
    try:
        head = b"".join(_first_bytes(response, 65536))
    finally:
        response.close()
    raise unexpected_body(content_type, head) or NotAnApiAnswer(
        "The provider answered with a single JSON object, not a stream of events.")


def _first_bytes(response: httpx2.Response, limit: int) -> Iterator[bytes]:
    for part in response.iter_bytes():
        yield part
        limit -= len(part)
        if limit <= 0:
            return
