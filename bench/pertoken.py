"""Work per token in genlib's stream loop, with the network and the SDK's parsing taken out.

The Vault runs its real worker on a stub provider whose `open_text_stream` returns genlib's own
`TextStream` over an in-memory iterator of already-decoded chunks (the JSON dicts the SDK's SSE
decoder hands genlib). The iterator stamps the
clock each time the loop asks for the next chunk, so the gap between two stamps is exactly what
genlib does with one chunk: `TextStream` bookkeeping, `StreamEvent`, `_apply_event`, the
`LiveGeneration.append`, the cancel check. The persister runs as usual alongside. The same
iterator drained by a bare `for` loop gives the floor (the stamping itself), reported apart.
Store calls made from the worker thread are counted: the stream loop must make none.
"""
from __future__ import annotations

import time
from pathlib import Path

from genlib import Settings, Vault, apply_thread_switch
from genlib.providers.client import TextStream

from .harness import MODEL, USER, StoreCalls, request
from .stats import p50, p99, rnd


def _chunk(delta: dict, finish: str | None = None, usage: dict | None = None) -> dict:
    choices = [] if usage else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1, "model": MODEL,
            "choices": choices, "usage": usage}


def chunks(events: int) -> list[dict]:
    """Role chunk, `events` content chunks (100 distinct objects reused), finish, usage."""
    content = [_chunk({"content": f" tok{i}"}) for i in range(100)]
    usage = {"prompt_tokens": 10, "completion_tokens": events, "total_tokens": 10 + events}
    return ([_chunk({"role": "assistant", "content": ""})] + [content[i % 100] for i in range(events)]
            + [_chunk({}, "stop"), _chunk({}, usage=usage)])


class TimedSource:
    """Stands in for `openai.Stream`: yields chunks, stamping perf_counter_ns at each request."""

    response = None

    def __init__(self, items: list):
        self._items = items
        self.stamps: list[int] = []

    def __iter__(self):
        stamps, clock = self.stamps, time.perf_counter_ns
        for item in self._items:
            stamps.append(clock())
            yield item
        stamps.append(clock())

    def close(self) -> None:
        pass

    def gaps_us(self) -> list[float]:
        """Time between consecutive requests for content chunks, in microseconds."""
        s = self.stamps
        return [(s[i + 1] - s[i]) / 1000.0 for i in range(1, len(s) - 3)]


class StubProvider:
    """Just enough of `genlib.providers.client.Provider` for text generations."""

    host, offline = "bench-stub", False

    def __init__(self, events: int):
        self._chunks = chunks(events)
        self.sources: list[TimedSource] = []

    def models(self) -> list[str]:
        return [MODEL]

    def open_text_stream(self, model: str, messages: list[dict], params: dict) -> TextStream:
        source = TimedSource(self._chunks)
        self.sources.append(source)
        return TextStream(source)


def per_token(data_dir: Path, sizes) -> dict:
    """per_token_us_p50/_p99 over every content chunk of every trial; worker store calls."""
    stub = StubProvider(sizes.per_token_events)
    settings = Settings(data_dir=data_dir, flush_interval_s=0.2, max_retries=0)
    apply_thread_switch(settings)  # as the app does at start-up
    vault = Vault(settings, provider=stub)
    calls = StoreCalls(vault.store)
    try:
        for i in range(sizes.per_token_trials):
            final = vault.wait(vault.start(request(f"per-token trial {i}"), USER), timeout=120)
            assert final.status == "complete", final.error
    finally:
        vault.close()
    gaps = [g for source in stub.sources for g in source.gaps_us()]
    floor = TimedSource(stub.sources[0]._items)
    for _ in floor:
        pass
    return {"per_token_us_p50": rnd(p50(gaps), 2), "per_token_us_p99": rnd(p99(gaps), 2),
            "stream_loop_db_calls": calls.worker_calls(),
            "details": {"per_token_floor_us_p50": rnd(p50(floor.gaps_us()), 2),
                        "per_token_events": len(gaps)}}
