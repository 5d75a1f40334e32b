"""The loss window: how old the oldest received-but-not-yet-committed text gets during streams.

Measured from outside genlib, against commits rather than genlib's own bookkeeping:
- each new `LiveGeneration`'s `append` is wrapped (on the instance, via `registry.add`) to note
  when each character range became readable: the moment it is "received";
- the store's `write_batch` is wrapped: when a commit returns, each generation's committed length
  grows by its chunk (or becomes the whole final text).
At each commit, the oldest character it saves was the oldest unsaved one until then, so its age
at commit time is the maximum of the loss window over that interval. `LiveGeneration.unsaved_age_s()`
(genlib's own view, which stops counting when the persister *takes* the text, before the commit)
is sampled alongside every 20 ms for comparison.
"""
from __future__ import annotations

import bisect
import threading
import time

from .stats import summary


class LossWindowProbe:
    """Use as a context manager around streams on `vault`; then read `.result()`."""

    def __init__(self, vault, period_s: float = 0.02):
        self._vault, self._period = vault, period_s
        self._store, self._registry = vault.store, vault.registry
        self._arrivals: dict[str, tuple[list[int], list[float]]] = {}  # id -> (end offsets, times)
        self._committed: dict[str, int] = {}
        self._ages_ms: list[float] = []
        self._genlib_view_ms: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_loop, name="bench-loss-sampler", daemon=True)

    def __enter__(self) -> "LossWindowProbe":
        self._write, self._add = self._store.write_batch, self._registry.add
        self._store.write_batch, self._registry.add = self._write_batch, self._add_live
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
        self._store.write_batch, self._registry.add = self._write, self._add

    def _add_live(self, live) -> None:
        ends, times = self._arrivals.setdefault(live.record.id, ([], []))
        append, clock = live.append, time.monotonic

        def timed_append(text: str) -> None:
            append(text)
            ends.append((ends[-1] if ends else 0) + len(text))
            times.append(clock())

        live.append = timed_append
        self._add(live)

    def _sample_loop(self) -> None:
        while not self._stop.wait(self._period):
            for live in self._registry.all():
                if live.persist_chunks and not live.ended:
                    self._genlib_view_ms.append(live.unsaved_age_s() * 1000.0)

    def _write_batch(self, inserts=(), chunks=(), updates=(), finals=(), starts=()):
        chunks, rows = list(chunks), [*inserts, *finals]
        self._write(inserts=inserts, chunks=chunks, updates=updates, finals=finals, starts=starts)
        now = time.monotonic()
        grown: dict[str, int] = {}
        for gen_id, _seq, text, *_ in chunks:
            grown[gen_id] = grown.get(gen_id, self._committed.get(gen_id, 0)) + len(text)
        for gen in rows:  # final records (updated, or inserted from the start journal): the whole text
            grown[gen.id] = max(grown.get(gen.id, 0), len(gen.result_text or ""))
        for gen_id, length in grown.items():
            self._commit(gen_id, length, now)

    def _commit(self, gen_id: str, length: int, now: float) -> None:
        before = self._committed.get(gen_id, 0)
        self._committed[gen_id] = max(before, length)
        ends, times = self._arrivals.get(gen_id, ([], []))
        index = bisect.bisect_right(ends, before)  # the piece holding character `before`
        if length > before and index < len(times):
            self._ages_ms.append((now - times[index]) * 1000.0)

    def result(self) -> dict:
        return {"at_commit_ms": summary(self._ages_ms, 1),
                "genlib_unsaved_age_ms": summary(self._genlib_view_ms, 1)}

    @property
    def ages_ms(self) -> list[float]:
        return list(self._ages_ms)


def summarize(probes: dict) -> dict:
    """loss_window_ms_max over every probed run, and each run's distribution."""
    ages = [age for probe in probes.values() for age in probe.ages_ms]
    return {"loss_window_ms_max": round(max(ages), 1) if ages else None,
            "details": {f"loss_window_{name}": probe.result() for name, probe in probes.items()}}
