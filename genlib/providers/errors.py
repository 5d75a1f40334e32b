"""Provider errors as people read them: `describe_error` turns any openai/httpx2/genlib error into one line.

Owns `StreamDropped` (a stream cut after it started), `StreamTimedOut` (the overall deadline passed),
the status wording, retry-after parsing, timeout/host extraction, and key scrubbing: `_SECRETS`
(keys in use, filled by providers) and `_KEY_PATTERN`.
"""
from __future__ import annotations

import json
import math
import re

import httpx2
import openai

from ..errors import GenlibError
from ..validate import valid_unicode

_SECRETS: set[str] = set()  # API keys in use: scrubbed from every message describe_error returns
_REPR = re.compile(r"\s*<[\w.]+ object at 0x[0-9a-fA-F]+>")
_KEY_PATTERN = re.compile(r"\b(sk-[A-Za-z0-9_*.\-]{4,}|Bearer\s+\S+)")
STATUS_LABELS = {400: "The provider rejected the request", 403: "Permission denied", 404: "Not found",
                 408: "The provider timed out", 413: "The request is too large", 422: "The request was not understood"}


class StreamDropped(openai.APIConnectionError):
    """The stream broke off after it started: connection cut, or EOF with neither [DONE] nor a finish_reason."""


class StreamTimedOut(openai.APITimeoutError):
    """No complete event within GENLIB_TIMEOUT_S: before the first one (counted from sending) or since the last."""

    def __init__(self, request: httpx2.Request, seconds: float, waiting_for: str):
        super().__init__(request=request)
        self.seconds, self.waiting_for = seconds, waiting_for


def describe_error(exc: BaseException) -> str:
    """One readable line for any openai/httpx2/genlib error; secrets scrubbed, length capped."""
    text = " ".join(valid_unicode(_describe(exc)).split())  # storable even if the provider's wasn't
    for secret in tuple(_SECRETS):  # a copy: another thread may be adding a key
        text = text.replace(secret, "[redacted]")
    text = _KEY_PATTERN.sub("[redacted]", text)
    return text if len(text) <= 400 else text[:397] + "..."


def _describe(exc: BaseException) -> str:
    if isinstance(exc, openai.APIStatusError):
        return _describe_status(exc)
    if isinstance(exc, StreamDropped):
        return f"The connection dropped mid-stream: {exc.message}."
    if isinstance(exc, StreamTimedOut):
        return f"Timed out after {exc.seconds:g} s waiting for {exc.waiting_for} from {_request_host(exc)}."
    if isinstance(exc, (openai.APITimeoutError, httpx2.TimeoutException)):
        return f"Timed out{_timeout_of(exc)} waiting for {_request_host(exc)}."
    if isinstance(exc, (openai.APIConnectionError, httpx2.TransportError)):
        cause = exc.__cause__ or exc
        if isinstance(cause, httpx2.ConnectError):
            return f"Could not connect to {_request_host(exc)}."
        return f"The connection to {_request_host(exc)} failed ({type(cause).__name__})."
    if isinstance(exc, openai.APIError):  # an error event inside the SSE stream
        return f"The provider reported an error mid-stream: {exc.message}"
    if isinstance(exc, json.JSONDecodeError):
        return "The provider sent malformed data (not valid JSON) mid-stream."
    if isinstance(exc, (GenlibError, openai.OpenAIError)):
        return str(exc)
    return _REPR.sub("", f"{type(exc).__name__}: {exc}")  # "<_io.BytesIO object at 0x…>" means nothing to a reader


def _describe_status(exc: openai.APIStatusError) -> str:
    status, body = exc.status_code, exc.body if isinstance(exc.body, dict) else {}
    message = str(body.get("message") or exc.message).rstrip(".")
    if status == 401:
        return "The provider rejected the API key (401). Check OPENAI_API_KEY."
    if status == 429 and body.get("code") == "insufficient_quota":
        return f"The provider account is out of quota (429): {message}."
    if status == 429:
        wait = _retry_after_s(exc.response.headers)
        return f"Rate limited by the provider (429): {message}." + (f" Try again in {wait} s." if wait else "")
    if status == 404 and (body.get("code") == "model_not_found" or "model" in message.lower()):
        return f"Model not found (404): {message}."
    label = STATUS_LABELS.get(status) or ("The provider had an error" if status >= 500 else "The provider answered")
    hint = f" ({_request_host(exc)}{exc.request.url.path}). Is OPENAI_BASE_URL right?" if status == 404 else ""
    return f"{label} ({status}): {message}.{hint}"


def _retry_after_s(headers: httpx2.Headers) -> int | None:
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            return max(1, math.ceil(float(headers[name]) / divisor))
        except (KeyError, ValueError):
            continue
    return None


def _timeout_of(exc: BaseException) -> str:
    try:  # httpx2 records the effective timeouts on the request it sent
        seconds = (exc.request.extensions.get("timeout") or {}).get("read")
    except (AttributeError, RuntimeError):
        seconds = None
    return f" after {seconds:g} s" if isinstance(seconds, (int, float)) else ""


def _request_host(exc: BaseException) -> str:
    try:
        url = exc.request.url
    except (AttributeError, RuntimeError):  # httpx2 raises RuntimeError when no request is attached
        return "the provider"
    return f"{url.host}:{url.port}" if url.port else url.host
