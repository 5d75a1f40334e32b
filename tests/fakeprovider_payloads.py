"""The fake provider's pure payload builders: OpenAI error bodies, SSE chat chunks, usage objects,
non-streamed completion bodies and b64 PNG image bodies, plus how a scripted text splits into pieces.

No sockets, no state: `tests/fakeprovider.py` serves what these return.
"""
from __future__ import annotations

import base64
import io
import math
import re
import time
from typing import Callable

from PIL import Image

ERRORS = {  # status -> (OpenAI error type, code, message), as api.openai.com words them
    400: ("invalid_request_error", None, "Bad request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided: sk-fake***1234."),
    404: ("invalid_request_error", "model_not_found",
          "The model `{model}` does not exist or you do not have access to it."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for {model} on requests per min (RPM)."),
    500: ("server_error", None, "The server had an error while processing your request."),
}


def _error_body(status: int, message: str, code: str | None = None) -> dict:
    kind, default_code, _ = ERRORS.get(status, ERRORS[500])
    return {"error": {"message": message, "type": kind, "param": None, "code": code or default_code}}


def _prompt_text(body: dict) -> str:
    return " ".join(str(m.get("content", "")) for m in body.get("messages", [])) or str(body.get("prompt", ""))


def _pieces(behaviour: dict, body: dict) -> list[str]:
    """The content deltas: `tokens=N` synthesises N words; `chunks=N` splits the text in N parts."""
    tokens = behaviour.get("tokens")
    text = behaviour.get("text")
    if text is None and tokens:
        return [f" tok{i}" for i in range(tokens)]
    if text is None:
        text = f"Fake answer to: {(body.get('messages') or [{}])[-1].get('content', '')}"
    words, chunks = re.findall(r"\s*\S+\s*$|\s*\S+|\s+", text), behaviour.get("chunks")
    if not chunks:
        return words
    if len(words) < chunks:  # fewer words than chunks asked: split characters instead
        size = math.ceil(len(text) / chunks)
        return [text[i:i + size] for i in range(0, len(text), size)]
    bounds = [round(i * len(words) / chunks) for i in range(chunks + 1)]
    return ["".join(words[a:b]) for a, b in zip(bounds, bounds[1:])]


def _chunk_factory(model: str) -> Callable[..., dict]:
    stamp, cid = int(time.time()), f"chatcmpl-fake{time.monotonic_ns():x}"

    def chunk(delta: dict, finish_reason: str | None = None) -> dict:
        return {"id": cid, "object": "chat.completion.chunk", "created": stamp, "model": model,
                "system_fingerprint": "fp_fake", "usage": None,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]}
    return chunk


def _chat_usage(behaviour: dict, body: dict, n_pieces: int) -> dict:
    given = behaviour.get("usage") if isinstance(behaviour.get("usage"), dict) else {}
    if "prompt_tokens_details" in given or "completion_tokens_details" in given:
        return given  # a raw usage object, sent as is
    prompt = given.get("prompt_tokens", max(1, len(_prompt_text(body)) // 4) + 7)
    completion = given.get("completion_tokens", n_pieces)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": given.get("cached_tokens", 0), "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": given.get("reasoning_tokens", 0), "audio_tokens": 0}}


def _completion_body(body: dict, behaviour: dict, model: str) -> dict:
    pieces = _pieces(behaviour, body)
    message = {"role": "assistant", "content": "".join(pieces), "refusal": None}
    out = {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": model,
           "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}]}
    if behaviour.get("usage", True) is not False:
        out["usage"] = _chat_usage(behaviour, body, len(pieces))
    return out


def _images_body(body: dict, behaviour: dict) -> dict:
    """Solid-colour PNGs of the asked size (64x64 when none, 1024x1024 for "auto"): cheap but real."""
    match = re.fullmatch(r"(\d+)x(\d+)", body.get("size") or "64x64")
    width, height = (int(v) for v in match.groups()) if match else (1024, 1024)
    data = []
    for i in range(int(body.get("n") or 1)):
        buf = io.BytesIO()
        Image.new("RGB", (width, height), (40 + 50 * i % 200, 120, 200)).save(buf, "PNG")
        raw = behaviour.get("image_bytes", buf.getvalue())  # image_bytes: anything, sent as the "picture"
        data.append({"b64_json": base64.b64encode(raw).decode(), "revised_prompt": None})
    out = {"created": int(time.time()), "data": data, "output_format": "png", "size": f"{width}x{height}"}
    if behaviour.get("usage", True) is not False:
        text = max(1, len(body.get("prompt", "")) // 4)
        default = {"input_tokens": text, "output_tokens": 272 * len(data), "total_tokens": text + 272 * len(data),
                   "input_tokens_details": {"text_tokens": text, "image_tokens": 0}}
        out["usage"] = behaviour["usage"] if isinstance(behaviour.get("usage"), dict) else default
    return out
