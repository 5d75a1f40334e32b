"""The single writer: every database write for live generations goes through this one thread.

New rows are written at once (the caller waits for the commit); streamed text is gathered from
all live generations every flush interval and written in one transaction, so the cost is one
commit per interval however many generations stream, and a crash loses at most one interval.
Final records are written once, with the whole text, and their chunks deleted.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future

from .errors import StorageUnavailable
from .live import LiveRegistry
from .records import Generation
from .store import utcnow

log = logging.getLogger(__name__)
_STOP = object()


class Persister:
    def __init__(self, store, registry: LiveRegistry, interval_s: float = 0.2):
        self._store = store
        self._registry = registry
        self._interval = interval_s
        self._ops: queue.Queue = queue.Queue()
        self._folded_on: str | None = None
        self._thread = threading.Thread(target=self._run, name="genlib-persister", daemon=True)
        self._thread.start()

    def insert(self, gen: Generation, timeout: float = 30.0) -> None:
        """Commit a new row; returns once it is durable, raises if it could not be written."""
        self.submit_insert(gen).result(timeout)

    def submit_insert(self, gen: Generation) -> Future:
        """Queue a new row's commit; the future settles once it is durable (or failed)."""
        return self._submit("insert", gen)

    def finish(self, gen: Generation, timeout: float = 30.0) -> None:
        """Commit a generation's final record (whole text) and drop its chunks."""
        self._submit("final", gen).result(timeout)

    def flush(self, timeout: float = 30.0) -> None:
        """Write every live generation's unsaved text now."""
        self._submit("flush", None).result(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        self._ops.put(_STOP)
        self._thread.join(timeout)

    def _submit(self, kind: str, gen: Generation | None) -> Future:
        if not self._thread.is_alive():
            raise StorageUnavailable("GenVault is shutting down: the generation was not saved.")
        future: Future = Future()
        self._ops.put((kind, gen, future))
        return future

    def _run(self) -> None:
        next_tick = time.monotonic() + self._interval
        while True:
            ops, stopping = self._collect(max(0.0, next_tick - time.monotonic()))
            tick = stopping or time.monotonic() >= next_tick or any(k == "flush" for k, _, _ in ops)
            if tick:
                next_tick = time.monotonic() + self._interval
            if ops or tick:
                self._write(ops, tick)
            if tick:
                self._fold_closed_days()
            if stopping:
                return

    def _collect(self, timeout: float) -> tuple[list, bool]:
        ops = []
        try:
            item = self._ops.get(timeout=timeout)
            while True:
                if item is _STOP:
                    return ops, True
                ops.append(item)
                item = self._ops.get_nowait()
        except queue.Empty:
            return ops, False

    def _write(self, ops: list, tick: bool) -> None:
        inserts = [gen for kind, gen, _ in ops if kind == "insert"]
        finals = [gen for kind, gen, _ in ops if kind == "final"]
        final_ids = {gen.id for gen in finals}
        chunks, updates = self._gather_live(final_ids) if tick else ([], [])
        if not (ops or chunks or updates):
            return  # an idle tick: no empty transaction
        try:
            self._store.write_batch(inserts, chunks, updates, finals)
        except BaseException as exc:  # noqa: BLE001 - every waiter must learn of the failure
            log.exception("write failed")
            if len(inserts) + len(finals) > 1:
                return self._write_one_by_one(ops, chunks, updates)
            return self._settle(ops, exc)
        self._forget(finals)
        self._settle(ops, None)

    def _forget(self, finals: list[Generation]) -> None:
        # Here, not in the worker: once the final row is committed no later tick may gather it.
        for gen in finals:
            self._registry.remove(gen.id)

    def _fold_closed_days(self) -> None:
        """Once a day (and at start), fold closed days into the cost rollup, on this same thread."""
        today = time.strftime("%Y-%m-%d", time.gmtime())
        if today == self._folded_on:
            return
        try:
            self._store.fold_rollup()
            self._folded_on = today
        except Exception:  # noqa: BLE001 - the Costs page reads the base table meanwhile
            log.exception("folding the cost rollup failed; will retry")

    def _write_one_by_one(self, ops: list, chunks: list, updates: list) -> None:
        """After a failed batch, write each op alone so one bad row can't sink the others."""
        for kind, gen, future in ops:
            try:
                if kind == "insert":
                    self._store.write_batch(inserts=[gen])
                elif kind == "final":
                    self._store.write_batch(finals=[gen])
                    self._forget([gen])
                future.set_result(None)
            except BaseException as exc:  # noqa: BLE001
                future.set_exception(exc)
        try:
            self._store.write_batch(chunks=chunks, updates=updates)
        except BaseException:  # noqa: BLE001 - chunks are retried implicitly by the final write
            log.exception("chunk write failed")

    def _gather_live(self, skip: set[str]) -> tuple[list, list]:
        now = utcnow()
        chunks, updates = [], []
        for live in self._registry.all():
            if live.record.id in skip or live.ended:
                continue
            chunk, meta = live.take_unsaved()
            if chunk:
                chunks.append((*chunk, now))
            if meta:
                updates.append((live.record.id, meta))
        return chunks, updates

    @staticmethod
    def _settle(ops: list, exc: BaseException | None) -> None:
        for _, _, future in ops:
            if exc is None:
                future.set_result(None)
            else:
                future.set_exception(exc)
