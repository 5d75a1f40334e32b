"""A FakeProvider that remembers exactly what it sent, and when, for every streamed request.

Crash tests compare the text a generation kept with the text the provider had sent before the
kill: `sent_before(prompt, t)` is the provider's side of the ledger, measured on the clock the
test uses to time the kill (`time.monotonic`, shared by every process on the machine).
"""
from __future__ import annotations

import json
import threading
import time

from tests.fakeprovider import FakeProvider, _Handler


class _RecordingHandler(_Handler):
    """Logs each content delta it writes (prompt, text, monotonic time after the write)."""

    def _dispatch(self, body) -> None:
        self.server.fake.auth_headers.append(self.headers.get("Authorization"))
        super()._dispatch(body)

    def _stream_events(self, fake, body, behaviour, model) -> None:
        self._prompt = ((body or {}).get("messages") or [{}])[-1].get("content", "")
        super()._stream_events(fake, body, behaviour, model)

    def _cut(self, behaviour: dict, i: int) -> bool:
        """Adds `stall_after=i, stall_s=x`: go silent for x seconds before piece i (a hung stream)."""
        if behaviour.get("stall_after") == i and not self.server.fake.sleep(behaviour.get("stall_s", 30.0)):
            return True
        return super()._cut(behaviour, i)

    def _event(self, payload) -> None:
        super()._event(payload)
        if isinstance(payload, dict) and payload.get("choices"):
            delta = payload["choices"][0].get("delta") or {}
            if delta.get("content"):
                self.server.fake.log_piece(self._prompt, delta["content"])


class RecordingFake(FakeProvider):
    """`pieces[prompt]` is the list of (monotonic time, text) streamed for that prompt.

    `script(prompt, **behaviour)` shapes every request with that prompt (the FIFO `enqueue` can't
    say which of many concurrent requests gets which behaviour)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._server.RequestHandlerClass = _RecordingHandler
        self.pieces: dict[str, list[tuple[float, str]]] = {}
        self.scripts: dict[str, dict] = {}
        self.auth_headers: list[str | None] = []  # what each request carried (the secrets tests check it)
        self._log_lock = threading.Lock()

    def script(self, prompt: str, **behaviour) -> None:
        self.scripts[prompt] = behaviour

    def _record(self, entry: dict) -> dict:
        behaviour = super()._record(entry)
        messages = (entry.get("json") or {}).get("messages") or [{}]
        return {**behaviour, **self.scripts.get(messages[-1].get("content", ""), {})}

    def log_piece(self, prompt: str, text: str) -> None:
        with self._log_lock:
            self.pieces.setdefault(prompt, []).append((time.monotonic(), text))

    def sent(self, prompt: str) -> str:
        with self._log_lock:
            return "".join(text for _, text in self.pieces.get(prompt, []))

    def sent_before(self, prompt: str, moment: float) -> list[tuple[float, str]]:
        with self._log_lock:
            return [(t, text) for t, text in self.pieces.get(prompt, []) if t <= moment]

    def prompts(self) -> list[str]:
        """Prompts of every chat request that arrived (streamed or not), in arrival order."""
        with self._lock:
            return [r["json"]["messages"][-1]["content"] for r in self.requests
                    if r["path"] == "/v1/chat/completions" and r.get("json")]


def missing_seconds(pieces: list[tuple[float, str]], kept: str, moment: float) -> float:
    """How much of the stream (in seconds before `moment`) is absent from `kept`; 0 if none."""
    total = 0
    for t, text in pieces:
        total += len(text)
        if total > len(kept):
            return max(0.0, moment - t)
    return 0.0


def dump(obj) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, default=str)
