"""The single writer: every record-store write for live generations but the first goes through this thread.

A new generation's record is inserted by the thread that starts it (`RecordStore.insert`). Streamed
text is gathered from all live generations every flush interval and written in one `write`, so the
cost is one commit per interval however many generations stream, and a crash loses at most one
interval. Final records are written once, with the whole text. After each tick the store's
periodic upkeep runs (`maintain`) on this same thread.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future

from ..errors import StorageUnavailable
from ..faillog import RepeatedFailureLog
from ..clock import utcnow
from ..records import Generation

log = logging.getLogger(__name__)
_STOP = object()


class Persister:
    def __init__(self, store, registry, interval_s: float = 0.2):
        self._store = store  # a RecordStore
        self._registry = registry  # the LiveChannel: this process's live generations
        self._interval = interval_s
        self._ops: queue.Queue = queue.Queue()
        self._write_failures = RepeatedFailureLog(log, "writing to the database")
        self._upkeep_failures = RepeatedFailureLog(log, "folding the cost rollup")
        self._thread = threading.Thread(target=self._run, name="genlib-persister", daemon=True)
        self._thread.start()

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
                self._upkeep()
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
        finals = [gen for kind, gen, _ in ops if kind == "final"]
        chunks, updates, receipts = self._gather_live({gen.id for gen in finals}) if tick else ([], [], [])
        try:
            # Also on an idle tick: the store may have records of its own to move (an empty
            # write costs it nothing when it has none).
            self._store.write(chunks, updates, finals)
        except BaseException as exc:  # noqa: BLE001 - every waiter must learn of the failure
            self._write_failures.failed(exc)
            if len(finals) > 1:
                return self._write_one_by_one(ops, chunks, updates, receipts)
            _hand_back(receipts, saved=False)
            return self._settle(ops, exc)
        self._write_failures.succeeded()
        _hand_back(receipts, saved=True)
        self._forget(finals)
        self._settle(ops, None)

    def _forget(self, finals: list[Generation]) -> None:
        # Here, not in the worker: once the final row is committed no later tick may gather it.
        for gen in finals:
            self._registry.remove(gen.id)

    def _upkeep(self) -> None:
        """The store's periodic upkeep (the daily rollup fold), on this same thread."""
        try:
            self._store.maintain()
            self._upkeep_failures.succeeded()
        except Exception as exc:  # noqa: BLE001 - the Costs page reads the base table meanwhile
            self._upkeep_failures.failed(exc)

    def _write_one_by_one(self, ops: list, chunks: list, updates: list, receipts: list) -> None:
        """After a failed batch, write each op alone so one bad row can't sink the others."""
        for kind, gen, future in ops:
            try:
                if kind == "final":
                    self._store.write(finals=[gen])
                    self._forget([gen])
                future.set_result(None)
            except BaseException as exc:  # noqa: BLE001
                future.set_exception(exc)
        try:
            self._store.write(chunks, updates)
            _hand_back(receipts, saved=True)
        except BaseException as exc:  # noqa: BLE001 - the text stays unsaved: the next tick retries it
            self._write_failures.failed(exc)
            _hand_back(receipts, saved=False)

    def _gather_live(self, skip: set[str]) -> tuple[list, list, list]:
        now = utcnow()
        chunks, updates, receipts = [], [], []
        for live in self._registry.all():
            if live.record.id in skip or live.ended:
                continue
            chunk, meta, receipt = live.take_unsaved()
            if chunk:
                chunks.append((*chunk, now))
            if meta:
                updates.append((live.record.id, meta))
            if chunk or meta:
                receipts.append((live, receipt))
        return chunks, updates, receipts

    @staticmethod
    def _settle(ops: list, exc: BaseException | None) -> None:
        for _, _, future in ops:
            if exc is None:
                future.set_result(None)
            else:
                future.set_exception(exc)


def _hand_back(receipts: list, saved: bool) -> None:
    """Tell each live generation whether the text and fields it handed over were committed."""
    for live, receipt in receipts:
        (live.saved if saved else live.not_saved)(receipt)
