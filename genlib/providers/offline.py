"""The offline demo model: an httpx2 transport that speaks the OpenAI API without a network.

Serves /v1/models, /v1/chat/completions (SSE, paced at `settings.offline_tokens_per_s`, usage chunk
last) and /v1/images/generations (b64 PNG + usage), so the real openai SDK and every code path
after it run unchanged. Content comes from `genlib/providers/offline_content.py`. Chat honours `max_tokens`
(cut there, finish_reason "length"), `temperature` and `seed` (they choose the wording), so the
parameters can be tried without a provider; attached images are described (offline_vision.py).
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from collections.abc import Iterator

import httpx2

from ..config import OFFLINE_IMAGE_MODEL, OFFLINE_MODEL, Settings
from .offline_content import (compose_answer, estimate_prompt_tokens, image_output_tokens, render_image,
                              split_tokens)
from .offline_vision import flatten_images, image_input_tokens, seen_note

OFFLINE_BASE_URL = "http://offline.invalid/v1"
MAX_SIDE = 2048


class PacedEventStream(httpx2.SyncByteStream):
    """Lazily yields SSE events, sleeping between content events; `close()` (any thread) stops it."""

    def __init__(self, events: Iterator[tuple[bool, bytes]], tokens_per_s: float):
        self._events, self._interval = events, (1.0 / tokens_per_s if tokens_per_s > 0 else 0.0)
        self._closed = threading.Event()

    def __iter__(self) -> Iterator[bytes]:
        due = time.monotonic()
        for paced, data in self._events:
            if paced and self._interval:
                # deadline pacing: sleep overshoots don't accumulate over hundreds of tokens
                due += self._interval
                if self._closed.wait(max(0.0, due - time.monotonic())):
                    return
            if self._closed.is_set():
                return
            yield data

    def close(self) -> None:
        self._closed.set()


class OfflineTransport(httpx2.BaseTransport):
    """Answers the three endpoints GenVault uses; anything else is an OpenAI-style 404."""

    def __init__(self, settings: Settings):
        self.tokens_per_s = settings.offline_tokens_per_s

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        path = request.url.path.rstrip("/")
        body = json.loads(request.read() or b"{}") if request.method == "POST" else {}
        if path.endswith("/models") and request.method == "GET":
            models = [_model_entry(m) for m in (OFFLINE_MODEL, OFFLINE_IMAGE_MODEL)]
            return _json(200, {"object": "list", "data": models})
        if path.endswith("/chat/completions") and request.method == "POST":
            return self._chat(body)
        if path.endswith("/images/generations") and request.method == "POST":
            return _images(body)
        return _json(404, {"error": {"message": f"The offline demo has no endpoint {request.method} {path}.",
                                     "type": "invalid_request_error", "param": None, "code": "unknown_url"}})

    def _chat(self, body: dict) -> httpx2.Response:
        messages, images = flatten_images(body.get("messages") or [])
        answer = compose_answer(messages, body.get("temperature"), body.get("seed"))
        if images:  # right under the heading: the demo says what it was shown
            answer = answer.replace("\n\n", f"\n\n{seen_note(images)}\n\n", 1)
        pieces, finish = cut_at(split_tokens(answer), body.get("max_completion_tokens") or body.get("max_tokens"))
        usage = _chat_usage(estimate_prompt_tokens(messages) + image_input_tokens(images), len(pieces))
        response_id = "chatcmpl-offline-" + hashlib.sha256(json.dumps(messages).encode()).hexdigest()[:20]
        if not body.get("stream"):
            return _json(200, _completion(response_id, "".join(pieces), usage, finish))
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        events = _sse_events(response_id, pieces, usage if include_usage else None, finish)
        return httpx2.Response(200, headers={"content-type": "text/event-stream", "x-request-id": response_id},
                               stream=PacedEventStream(events, self.tokens_per_s))


def cut_at(pieces: list[str], max_tokens) -> tuple[list[str], str]:
    """The answer's tokens up to `max_tokens`, and why it ends: "length" when cut, else "stop"."""
    try:
        limit = int(max_tokens) if max_tokens is not None else None
    except (TypeError, ValueError):
        limit = None
    if limit is None or limit >= len(pieces):
        return pieces, "stop"
    return pieces[:max(0, limit)], "length"


def _json(status: int, payload: dict) -> httpx2.Response:
    return httpx2.Response(status, json=payload, headers={"x-request-id": f"req_offline_{time.time_ns():x}"})


def _model_entry(model: str) -> dict:
    return {"id": model, "object": "model", "created": 1700000000, "owned_by": "genvault-offline"}


def _chat_usage(prompt_tokens: int, completion_tokens: int) -> dict:
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}}


def _chunk(response_id: str, delta: dict, finish_reason: str | None = None) -> dict:
    return {"id": response_id, "object": "chat.completion.chunk", "created": int(time.time()),
            "model": OFFLINE_MODEL, "system_fingerprint": "fp_offline", "usage": None,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]}


def _sse(payload: dict | str) -> bytes:
    return b"data: " + (payload if isinstance(payload, str) else json.dumps(payload)).encode() + b"\n\n"


def _sse_events(response_id: str, pieces: list[str], usage: dict | None,
                finish: str = "stop") -> Iterator[tuple[bool, bytes]]:
    """(paced?, bytes) in OpenAI's order: role, content deltas, finish, usage (choices == []), [DONE]."""
    yield False, _sse(_chunk(response_id, {"role": "assistant", "content": ""}))
    for piece in pieces:
        yield True, _sse(_chunk(response_id, {"content": piece}))
    yield False, _sse(_chunk(response_id, {}, finish))
    if usage is not None:
        yield False, _sse({**_chunk(response_id, {}), "choices": [], "usage": usage})
    yield False, _sse("[DONE]")


def _completion(response_id: str, text: str, usage: dict, finish: str = "stop") -> dict:
    message = {"role": "assistant", "content": text, "refusal": None}
    return {"id": response_id, "object": "chat.completion", "created": int(time.time()), "model": OFFLINE_MODEL,
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
            "usage": usage}


def parse_size(size: str | None) -> tuple[int, int]:
    """"512x768" -> (512, 768); "auto"/missing/garbage -> 1024x1024; sides clamped to 16..2048."""
    match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", size or "")
    if not match:
        return 1024, 1024
    return tuple(min(MAX_SIDE, max(16, int(v))) for v in match.groups())  # type: ignore[return-value]


def _images(body: dict) -> httpx2.Response:
    prompt = str(body.get("prompt") or "")
    width, height = parse_size(body.get("size"))
    count = min(4, max(1, int(body.get("n") or 1)))
    data = [{"b64_json": base64.b64encode(render_image(prompt, width, height, i)).decode(), "revised_prompt": None}
            for i in range(count)]
    text_tokens = len(split_tokens(prompt)) or 1
    quality = body.get("quality")
    output = image_output_tokens(width, height, quality) * count
    usage = {"input_tokens": text_tokens, "output_tokens": output, "total_tokens": text_tokens + output,
             "input_tokens_details": {"text_tokens": text_tokens, "image_tokens": 0}}
    return _json(200, {"created": int(time.time()), "data": data, "usage": usage, "output_format": "png",
                       "size": f"{width}x{height}", "quality": quality if quality in ("low", "high") else "medium"})
