"""What the streaming benchmarks share: a Vault and a raw SDK client on the same server.

The Vault is configured as the issue says (flush every 0.2 s, no retries) on a fresh temp data
dir. The raw client is the same openai SDK genlib uses, with one long-lived client (keep-alive),
as genlib's provider has: the baseline differs from genlib only by what genlib adds.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path

from openai import OpenAI

from genlib import GenerationRequest, Settings, Vault, apply_thread_switch

from .stats import summary

MODEL = "gpt-4o-mini"
USER = "bench"


def make_vault(data_dir: Path, base_url: str, **overrides) -> Vault:
    values = dict(data_dir=Path(data_dir), base_url=base_url, api_key="x", flush_interval_s=0.2,
                  max_retries=0)
    values.update(overrides)
    settings = Settings(**values)
    apply_thread_switch(settings)  # as the app does at start-up
    return Vault(settings)


def raw_client(base_url: str) -> OpenAI:
    return OpenAI(base_url=base_url, api_key="x", max_retries=0)


def request(prompt: str) -> GenerationRequest:
    return GenerationRequest(prompt=prompt, model=MODEL)


def raw_stream(client: OpenAI, prompt: str) -> tuple[float, float, str]:
    """One raw streamed chat call: (seconds to first content, seconds to the end, text)."""
    start = time.perf_counter()
    first, parts = None, []
    stream = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": prompt}],
                                            stream=True, stream_options={"include_usage": True})
    with stream:
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                if first is None:
                    first = time.perf_counter() - start
                parts.append(chunk.choices[0].delta.content)
    return first, time.perf_counter() - start, "".join(parts)


def first_text_seen(vault: Vault, gen_id: str, timeout: float = 30.0) -> None:
    """Block this (reader) thread until `vault.get(gen_id)` shows some text."""
    deadline = time.monotonic() + timeout
    live = vault.registry.get(gen_id)
    while time.monotonic() < deadline:
        if live is not None:
            live.wait_for_change(0, timeout=0.5)
        gen = vault.get(gen_id)
        if gen is not None and gen.result_text:
            return
        if live is None:
            time.sleep(0.0002)
    raise TimeoutError(f"no text from {gen_id}")


class StoreCalls:
    """Counts the store calls made by each thread, and times every `write_batch` (the persister's
    commits), by wrapping the store's public methods on the instance."""

    METHODS = ("write_batch", "get", "search", "frame", "live_rows", "thread", "priced_rows", "export",
               "bulk_append")

    def __init__(self, store):
        self.by_thread: dict[str, int] = {}
        self.writes: list[tuple[str, float]] = []  # (what the batch held, ms)
        self._lock = threading.Lock()
        for name in self.METHODS:
            if hasattr(store, name):
                setattr(store, name, self._wrap(name, getattr(store, name)))

    def _wrap(self, name: str, method):
        def counted(*args, **kwargs):
            with self._lock:
                thread = threading.current_thread().name
                self.by_thread[thread] = self.by_thread.get(thread, 0) + 1
            if name != "write_batch":
                return method(*args, **kwargs)
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.writes.append((_batch_kind(*args, **kwargs), (time.perf_counter() - start) * 1000.0))
        return counted

    def worker_calls(self) -> int:
        """Calls from generation worker threads (genlib-<id>), i.e. inside the stream loop."""
        return sum(n for name, n in self.by_thread.items()
                   if name.startswith("genlib-") and name != "genlib-persister")

    def take_write_summary(self) -> dict:
        """Commit times (ms) by batch kind since the last call, then forget them."""
        writes, self.writes = self.writes, []
        kinds = sorted({kind for kind, _ in writes})
        return {kind: summary([ms for k, ms in writes if k == kind], 2) for kind in kinds}


def _batch_kind(inserts=(), chunks=(), updates=(), finals=(), starts=()) -> str:
    """"start" (a pending row into the start journal), "insert" (rows into `generations`: moved
    from the journal or final), "final", "chunks" (streamed text and/or field updates), "mixed", "empty"."""
    parts = [name for name, items in (("start", starts), ("insert", inserts), ("final", finals))
             if len(list(items))]
    if len(list(chunks)) or len(list(updates)):
        parts.append("chunks")
    return "mixed" if len(parts) > 1 else parts[0] if parts else "empty"
