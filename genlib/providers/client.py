"""The only door to an AI provider: the official openai SDK behind `Provider`, `TextStream`, `ImageResult`.

Owns request shaping (usage chunk requested, timeouts, retries), cancelling a stream from any thread,
the stream's deadline (with `deadline.WATCHDOG`), and the cached model list; `answers` checks that
a 200 is the answer asked for. `describe_error` (any SDK/transport error as one readable line,
key-free) and `StreamDropped` live in `errors`.
"""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx2
import openai
from openai import OpenAI

from ..config import OFFLINE_IMAGE_MODEL, OFFLINE_MODEL, Settings
from .offline import OFFLINE_BASE_URL, OfflineTransport
from .sendgate import before_send
from .deadline import WATCHDOG
from .answers import image_answer, refuse_non_stream
from .errors import _SECRETS, StreamDropped, StreamTimedOut
from ..validate import valid_unicode

CHAT_PARAMS = ("temperature", "max_tokens", "top_p", "seed")
IMAGE_PARAMS = ("size", "quality", "n")
MODELS_TIMEOUT_S, MODELS_TTL_S = 2.0, 60.0
_SENT_AT = "genlib_sent_at"


def _stamp_sent(request: httpx2.Request) -> None:
    request.extensions[_SENT_AT] = time.monotonic()  # per attempt: the first-token deadline counts from here


# nothing leaves before the pending row is committed; each attempt's send time is noted
_SEND_GATE = {"request": [before_send, _stamp_sent]}


@dataclass
class StreamEvent:
    text: str = ""
    model: str | None = None
    response_id: str | None = None
    usage: dict | None = None  # the usage object as the provider sent it, on the last chunk only
    finish_reason: str | None = None  # "stop", "length", ... on the last choice chunk


@dataclass
class ImageResult:
    images: list[bytes]
    usage: dict | None
    model: str | None
    response_id: str | None


class _SseStream(openai.Stream[object]):
    """The SDK's stream, noting whether the server ended it with `data: [DONE]` (its own "finished")."""

    saw_done = False

    def _iter_events(self):
        for sse in super()._iter_events():
            if sse.data.startswith("[DONE]"):
                self.saw_done = True
            yield sse


class TextStream:
    """Iterable of `StreamEvent`; `close()` may be called from any thread, even while a reader blocks.

    With `deadline_s`, the watchdog cuts the stream when no event with content (text, usage, a finish
    reason) arrives within `deadline_s` of sending, or of the previous such event."""

    def __init__(self, stream: openai.Stream, deadline_s: float | None = None, sent_at: float | None = None):
        self._stream, self._lock = stream, threading.Lock()
        self._cancelled = self._reading = self._timed_out = self._progressed = False
        self.deadline_s, self._progress_at = deadline_s, sent_at or time.monotonic()
        if deadline_s:
            WATCHDOG.watch(self)

    cancelled = property(lambda self: self._cancelled)

    def __enter__(self) -> "TextStream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __iter__(self) -> Iterator[StreamEvent]:
        finished = False
        try:
            for chunk in self._chunks():
                event = _event(chunk)
                if event.text or event.usage or event.finish_reason:
                    self._progress_at, self._progressed = time.monotonic(), True
                finished = finished or event.finish_reason is not None
                yield event
        except Exception as exc:
            if self._cancelled:  # the error is our own close() tearing the socket down
                return self._raise_if_timed_out()
            if isinstance(exc, openai.APIConnectionError) and not isinstance(exc, openai.APITimeoutError):
                raise StreamDropped(message=_cut_reason(exc), request=exc.request) from exc
            raise
        finally:
            WATCHDOG.unwatch(self)
            with self._lock:
                self._stream.close()
        self._raise_if_timed_out()
        # [DONE] is the server saying it finished (some servers omit finish_reason); an EOF with
        # neither is a cut stream (e.g. a proxy closing), not an answer
        if not (finished or getattr(self._stream, "saw_done", False) or self._cancelled):
            raise StreamDropped(message="the stream ended without [DONE] or a finish reason",
                                request=self._stream.response.request)

    def _raise_if_timed_out(self) -> None:
        if self._timed_out:
            waiting_for = "the next chunk" if self._progressed else "the first token"
            raise StreamTimedOut(self._stream.response.request, self.deadline_s, waiting_for)

    def overdue(self, now: float) -> bool:
        return not self._cancelled and now - self._progress_at > self.deadline_s

    def expire(self) -> None:
        """The watchdog's cut: like `close()`, but the reader reports a timeout, not a cancel."""
        self._timed_out = True
        self.close()

    def _chunks(self) -> Iterator:
        iterator = iter(self._stream)
        while True:
            with self._lock:
                if self._cancelled:
                    return
                self._reading = True
            try:
                chunk = next(iterator)
            except StopIteration:
                return
            finally:
                with self._lock:
                    self._reading = False
            yield chunk

    def close(self) -> None:
        """Cancel: wake a blocked reader by shutting its socket down, or close the response directly."""
        with self._lock:
            self._cancelled = True
            # close() does not wake a thread blocked in recv() on Linux; shutdown() does, and that
            # reader then closes the response itself, so two threads never close it at once
            if not (self._reading and _shutdown_socket(self._stream.response)):
                self._stream.close()


def _shutdown_socket(response: httpx2.Response) -> bool:
    network = response.extensions.get("network_stream")
    sock = network.get_extra_info("socket") if network is not None else None
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed: the reader is done anyway
    return sock is not None


def _cut_reason(exc: BaseException) -> str:
    if isinstance(exc.__cause__, httpx2.RemoteProtocolError):
        return "the server closed the connection before the end"
    return type(exc.__cause__ or exc).__name__


def _event(chunk) -> StreamEvent:
    """One chunk as the provider sent it (a dict from JSON); anything malformed reads as empty."""
    chunk = chunk if isinstance(chunk, dict) else {}
    choices = chunk.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else {}
    delta = choice.get("delta") if isinstance(choice.get("delta"), dict) else {}
    usage = chunk.get("usage")
    # valid_unicode: a stray "\\ud800" escape from the provider must not make the text unstorable
    return StreamEvent(text=valid_unicode(_text(delta.get("content"))),
                       model=valid_unicode(_text(chunk.get("model"))) or None,
                       response_id=valid_unicode(_text(chunk.get("id"))) or None,
                       usage=usage if isinstance(usage, dict) else None, finish_reason=choice.get("finish_reason"))


def _text(value) -> str:
    return value if isinstance(value, str) else ""


class Provider:
    """One configured endpoint: OpenAI, an OpenAI-compatible server, or the offline demo."""

    def __init__(self, client: OpenAI, host: str, offline: bool, configured_models: tuple[str, ...],
                 deadline_s: float | None = None):
        self.client, self.host, self.offline, self.deadline_s = client, host, offline, deadline_s
        self._configured, self._models_lock = tuple(configured_models), threading.Lock()
        self._models_cache: tuple[float, list[str]] | None = None

    def models(self) -> list[str]:
        """Configured models first, then the endpoint's (sorted); cached 60 s, failures included."""
        with self._models_lock:
            if self._models_cache and time.monotonic() - self._models_cache[0] < MODELS_TTL_S:
                return list(self._models_cache[1])
            merged = list(dict.fromkeys(self._configured + tuple(sorted(self._remote_models()))))
            self._models_cache = (time.monotonic(), merged)
            return list(merged)

    def _remote_models(self) -> list[str]:
        if self.offline:  # the demo has nothing beyond its configured pair
            return []
        try:
            page = self.client.with_options(timeout=MODELS_TIMEOUT_S, max_retries=0).models.list()
            return [m.id for m in page.data if getattr(m, "id", None)]
        except Exception:  # noqa: BLE001 - a model list must never break the page that shows it
            return []

    def close(self) -> None:
        self.client.close()

    def open_text_stream(self, model: str, messages: list[dict], params: dict) -> TextStream:
        """The SDK's own request, retries, status errors and SSE decoder, with each chunk left as the
        provider's JSON: building a pydantic `ChatCompletionChunk` costs ~65 µs per token, the
        largest CPU cost of a stream and, under many streams, GIL time the writer waits behind."""
        body = {"model": model, "messages": messages, "stream": True, "stream_options": {"include_usage": True},
                **{k: params[k] for k in CHAT_PARAMS if params.get(k) is not None}}
        stream = self.client.post("/chat/completions", body=body, cast_to=object, stream=True,
                                  stream_cls=_SseStream)
        refuse_non_stream(stream.response)
        return TextStream(stream, self.deadline_s, stream.response.request.extensions.get(_SENT_AT))

    def generate_images(self, model: str, prompt: str, params: dict) -> ImageResult:
        kwargs = {k: params[k] for k in IMAGE_PARAMS if params.get(k) is not None}
        if model.startswith("dall-e"):  # gpt-image-* always answers b64 and rejects response_format
            kwargs["response_format"] = "b64_json"
        raw = self.client.images.with_raw_response.generate(model=model, prompt=prompt, **kwargs)
        images, usage = image_answer(raw.parse(), raw.http_response)
        return ImageResult(images=images, usage=usage, model=model, response_id=raw.headers.get("x-request-id"))


def make_provider(settings: Settings) -> Provider:
    timeout = httpx2.Timeout(settings.request_timeout_s, connect=min(10.0, settings.request_timeout_s))
    if settings.offline:
        http_client = httpx2.Client(transport=OfflineTransport(settings), event_hooks=_SEND_GATE)
        client = OpenAI(api_key="offline", base_url=OFFLINE_BASE_URL, http_client=http_client,
                        timeout=timeout, max_retries=0)
        return Provider(client, "offline", True, (OFFLINE_MODEL, OFFLINE_IMAGE_MODEL), settings.request_timeout_s)
    if settings.api_key and len(settings.api_key) >= 8:
        # The set describe_error scrubs. A very short "key" (local servers accept anything) would
        # blank out ordinary letters in every message, and is no secret worth hiding.
        _SECRETS.add(settings.api_key)
    base_url = settings.base_url or "https://api.openai.com/v1"
    # keyless local servers (Ollama, vLLM) get a placeholder: the SDK refuses to start without a key
    client = OpenAI(api_key=settings.api_key or "not-needed", base_url=base_url, timeout=timeout,
                    max_retries=settings.max_retries, http_client=openai.DefaultHttpxClient(event_hooks=_SEND_GATE))
    return Provider(client, _host(base_url), False, tuple(settings.extra_models), settings.request_timeout_s)


def _host(base_url: str) -> str:
    """host[:port] only: a base URL may carry user:password@, which must never be shown."""
    parts = urlsplit(base_url if "//" in base_url else f"http://{base_url}")
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else (parts.hostname or "unknown-host")
    return f"{host}:{parts.port}" if parts.port else host
