"""A real loopback OpenAI-compatible HTTP server for tests, browser runs and benchmarks.

Owns the wire format the SDK sees (SSE chat chunks, usage chunk, OpenAI error bodies, b64 PNGs)
and a scripting queue: `enqueue(**behaviour)` shapes the next chat/image request.
The payloads themselves are built in `fakeprovider_payloads`.
Run standalone with `python tests/fakeprovider.py --port 8123 [--tokens-per-s 50]`.
"""
from __future__ import annotations

import argparse
import json
import math
import socket
import sys
import threading
import time
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

if not __package__:  # run as a script (python tests/fakeprovider.py): make the `tests` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.fakeprovider_payloads import (  # noqa: E402 - after the script-mode path fix; ERRORS re-exported
    ERRORS, _chat_usage, _chunk_factory, _completion_body, _error_body, _images_body, _pieces)
from tests.fakeprovider_llamacpp import like_llama_cpp  # noqa: E402 - after the script-mode path fix

DEFAULT_MODELS = ("gpt-4o-mini", "gpt-4.1-mini", "gpt-image-1", "fake-model")
SCRIPTED_PATHS = ("/v1/chat/completions", "/v1/images/generations")
PATH_NAMES = {"/v1/chat/completions": "chat", "/v1/images/generations": "images", "/v1/models": "models"}


class FakeProvider:
    """Threaded HTTP server on 127.0.0.1; `base_url` ends in /v1; `requests` logs what arrived."""

    def __init__(self, port: int = 0, models=DEFAULT_MODELS, tokens_per_s: float | None = None, **default):
        self.models, self.tokens_per_s, self.default = list(models), tokens_per_s, default
        self.requests: list[dict] = []
        self.hook_errors: list[BaseException] = []
        self.on_request: Callable[[dict], None] | None = None
        self.models_status: int | None = None  # make /v1/models fail with this status
        self.by_model: dict[str, dict] = {}  # behaviour for every request naming this model (compare tests)
        self.hangups = 0  # streams the client closed before the fake had sent everything
        self._queue: deque[dict] = deque()
        self._counts: Counter = Counter()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._server.daemon_threads, self._server.block_on_close = True, False
        self._server.fake = self
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> "FakeProvider":
        # a short poll interval keeps stop() (and so each test's teardown) fast
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in delay/hang
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FakeProvider":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        if exc[0] is None:
            self.raise_hook_errors()

    def raise_hook_errors(self) -> None:
        if self.hook_errors:
            raise self.hook_errors[0]

    def enqueue(self, **behaviour) -> None:
        """Script the next chat/image request (FIFO); keys are documented in `_Handler`."""
        with self._lock:
            self._queue.append(behaviour)

    def calls(self, name: str) -> int:
        """Requests received on "chat", "images", "models" (or a full path), retries included."""
        return self._counts[name]

    def _record(self, entry: dict) -> dict:
        with self._lock:
            self.requests.append(entry)
            self._counts[entry["path"]] += 1
            self._counts[PATH_NAMES.get(entry["path"], entry["path"])] += 1
            scripted = entry["path"] in SCRIPTED_PATHS and self._queue
            model = (entry.get("json") or {}).get("model")
            return {**self.default, **self.by_model.get(model, {}), **(self._queue.popleft() if scripted else {})}

    def sleep(self, seconds: float) -> bool:
        """Sleep unless the server stops; False when stopping."""
        return not self._stopping.wait(seconds) if seconds > 0 else not self._stopping.is_set()


class _Handler(BaseHTTPRequestHandler):
    """Behaviour keys: text, chunks, tokens, delay, usage (False | dict), model_used, finish_reason,
    status, retry_after, message, drop_after, sse_error_after, malformed_after, hang, plus:
    usage_only (a stream of just the usage chunk and [DONE]), done=False (no [DONE] before a clean
    end), ok_body (answer 200 with this JSON), html (answer 200 with a web page), image_bytes (these
    bytes as the b64 image), drip_ms (send the stream one byte every N ms; from piece drip_after on),
    like_llama_cpp (stream as llama.cpp's server does: tests/fakeprovider_llamacpp.py)."""

    protocol_version = "HTTP/1.1"  # keep-alive like real providers; streams use chunked encoding

    def log_message(self, *args) -> None:  # quiet: tests and benchmarks read stdout
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionError, OSError):  # a client that cancelled or vanished: normal here
            self.close_connection = True

    def do_GET(self) -> None:
        self._dispatch(None)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        self._dispatch(json.loads(raw) if raw else None)

    def _dispatch(self, body: dict | None) -> None:
        fake: FakeProvider = self.server.fake
        path = self.path.split("?")[0]
        headers = {k.lower(): v for k, v in self.headers.items() if k.lower() != "authorization"}
        entry = {"path": path, "method": self.command, "json": body, "headers": headers}
        behaviour = fake._record(entry)
        if path == "/v1/models":
            return self._models(fake)
        if path not in SCRIPTED_PATHS:
            return self._send_json(404, _error_body(404, f"Unknown path {path}", code="unknown_url"))
        if not self._run_hook(fake, entry) or not fake.sleep(behaviour.get("hang", 0)):
            return
        model = behaviour.get("model_used") or (body or {}).get("model") or "fake-model"
        if behaviour.get("status"):
            return self._send_error(behaviour, model)
        if "ok_body" in behaviour:
            return self._send_json(200, behaviour["ok_body"])
        if behaviour.get("html"):
            return self._send_body(200, "text/html; charset=utf-8", _HTML_PAGE)
        if path == "/v1/images/generations":
            return self._send_json(200, _images_body(body or {}, behaviour))
        if not (body or {}).get("stream"):
            return self._send_json(200, _completion_body(body or {}, behaviour, model))
        self._stream(fake, body, behaviour, model)

    def _run_hook(self, fake: FakeProvider, entry: dict) -> bool:
        if fake.on_request is None:
            return True
        try:
            fake.on_request(entry)
            return True
        except BaseException as exc:  # noqa: BLE001 - surfaced to the test via raise_hook_errors
            fake.hook_errors.append(exc)
            self._send_json(400, _error_body(400, f"on_request hook failed: {exc!r}"))
            return False

    def _models(self, fake: FakeProvider) -> None:
        if fake.models_status:
            return self._send_json(fake.models_status, _error_body(fake.models_status, "models failed"))
        data = [{"id": m, "object": "model", "created": 1700000000, "owned_by": "fake"} for m in fake.models]
        self._send_json(200, {"object": "list", "data": data})

    def _send_error(self, behaviour: dict, model: str) -> None:
        status = behaviour["status"]
        extra = {}
        if status == 429 or "retry_after" in behaviour:
            # the SDK sleeps on retry-after-ms (tests stay fast) while "retry-after" reads well in messages
            wait = behaviour.get("retry_after", 0.01)
            extra = {"retry-after-ms": str(int(wait * 1000)), "retry-after": str(max(1, math.ceil(wait)))}
        message = behaviour.get("message") or ERRORS.get(status, ERRORS[500])[2].format(model=model)
        self._send_json(status, _error_body(status, message), extra)

    def _send_json(self, status: int, payload: dict, extra_headers: dict | None = None) -> None:
        self._send_body(status, "application/json", json.dumps(payload).encode(), extra_headers)

    def _send_body(self, status: int, content_type: str, data: bytes, extra_headers: dict | None = None) -> None:
        self.send_response(status)
        for name, value in {"Content-Type": content_type, "Content-Length": str(len(data)),
                            "x-request-id": f"req_fake_{id(data):x}", **(extra_headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, fake: FakeProvider, body: dict, behaviour: dict, model: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-request-id", "req_fake_stream")
        self.end_headers()
        self._drip_s = 0.0 if "drip_after" in behaviour else behaviour.get("drip_ms", 0) / 1000.0
        try:
            self._stream_events(fake, body, behaviour, model)
        except (BrokenPipeError, ConnectionResetError):  # the client cancelled: expected
            self.close_connection = True
            with fake._lock:
                fake.hangups += 1

    def _stream_events(self, fake: FakeProvider, body: dict, behaviour: dict, model: str) -> None:
        pieces = _pieces(behaviour, body)
        if behaviour.get("like_llama_cpp"):
            behaviour, pieces = like_llama_cpp(behaviour, body, pieces)
        delay = behaviour.get("delay", 1.0 / fake.tokens_per_s if fake.tokens_per_s else 0.0)
        chunk = _chunk_factory(model)
        if behaviour.get("usage_only"):
            return self._end_stream(chunk, behaviour, body, pieces, finish=False)
        self._event(chunk({"role": "assistant", "content": ""}))
        for i, piece in enumerate(pieces):
            if behaviour.get("drip_after") == i:
                self._drip_s = behaviour.get("drip_ms", 0) / 1000.0
            if self._cut(behaviour, i) or not fake.sleep(delay):
                return
            self._event(chunk({"content": piece}))
        if self._cut(behaviour, len(pieces)):
            return
        self._end_stream(chunk, behaviour, body, pieces, finish=True)

    def _end_stream(self, chunk, behaviour: dict, body: dict, pieces: list[str], finish: bool) -> None:
        if finish:
            self._event(chunk({}, behaviour.get("finish_reason", "stop")))
        if behaviour.get("usage", True) is not False:
            self._event({**chunk({}), "choices": [], "usage": _chat_usage(behaviour, body, len(pieces))})
        if behaviour.get("done", True):
            self._event("[DONE]")
        self.wfile.write(b"0\r\n\r\n")

    def _cut(self, behaviour: dict, i: int) -> bool:
        """Apply drop/error/malformed scripting before content chunk i; True when the stream ends."""
        if behaviour.get("drop_after") == i:
            self.connection.shutdown(socket.SHUT_RDWR)  # abrupt: no terminating chunk, no [DONE]
            self.close_connection = True
            return True
        if behaviour.get("sse_error_after") == i:
            self._event({"error": {"message": behaviour.get("message", "The server had an error mid-stream."),
                                   "type": "server_error", "code": None, "param": None}})
            self.wfile.write(b"0\r\n\r\n")
            return True
        if behaviour.get("malformed_after") == i:
            self._write_chunk(b"data: {\"choices\": [{\"delta\": {\"content\": \"oops\"\n\n")
            self.wfile.write(b"0\r\n\r\n")
            return True
        return False

    def _event(self, payload: dict | str) -> None:
        data = payload if isinstance(payload, str) else json.dumps(payload)
        self._write_chunk(f"data: {data}\n\n".encode())

    def _write_chunk(self, data: bytes) -> None:
        # one HTTP chunk per SSE event, one send per chunk: the client sees it at once
        if not getattr(self, "_drip_s", 0):
            return self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        for i in range(len(data)):  # slowloris: one byte per HTTP chunk, never a pause long enough to time out
            if not self.server.fake.sleep(self._drip_s):
                raise BrokenPipeError("the fake is stopping")
            self.wfile.write(b"1\r\n%s\r\n" % data[i:i + 1])


_HTML_PAGE = b"<!doctype html><html><head><title>Sign in</title></head><body>Please sign in.</body></html>"


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve a fake OpenAI-compatible API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--tokens-per-s", type=float, default=None, help="pace default streams")
    args = parser.parse_args()
    fake = FakeProvider(port=args.port, tokens_per_s=args.tokens_per_s).start()
    print(fake.base_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
