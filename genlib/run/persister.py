"""The single writer: every database write for live generations but the first goes through this thread.

A new generation's pending row (or a dedup hit's record) is committed by the thread that starts
it, as one narrow row in the start journal (see migration 4); this thread moves it into
`generations` at the next flush, in the transaction that deletes it from the journal, or with its
final record if that comes first. Streamed text is gathered from
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

from ..errors import StorageUnavailable
from ..faillog import RepeatedFailureLog
from .live import LiveRegistry
from ..records import Generation
from ..backends.duckdb.store import utcnow

log = logging.getLogger(__name__)
_STOP = object()


class Persister:
    def __init__(self, store, registry: LiveRegistry, interval_s: float = 0.2, index_feed=None):
        self._store = store
        self._index_feed = index_feed  # the search index, updated after each commit (search_sync)
        self._registry = registry
        self._interval = interval_s
        self._ops: queue.Queue = queue.Queue()
        self._folded_on: str | None = None
        self._journaled: dict[str, Generation] = {}  # committed to the start journal, not yet moved
        self._new_starts: queue.SimpleQueue = queue.SimpleQueue()  # journaled by other threads
        self._write_failures = RepeatedFailureLog(log, "writing to the database")
        self._fold_failures = RepeatedFailureLog(log, "folding the cost rollup")
        self._thread = threading.Thread(target=self._run, name="genlib-persister", daemon=True)
        self._thread.start()

    def journaled(self, gen: Generation) -> None:
        """A new generation's pending row is committed in the start journal (by the thread that
        started it): move it into `generations` at the next flush. Any thread may call this."""
        self._new_starts.put(gen)

    def finish(self, gen: Generation, timeout: float = 30.0) -> None:
        """Commit a generation's final record (whole text) and drop its chunks."""
        self._submit("final", gen).result(timeout)

    def flush(self, timeout: float = 30.0) -> None:
        """Write every live generation's unsaved text now."""
        self._submit("flush", None).result(timeout)

    def settle_starts(self, timeout: float = 30.0) -> None:
        """Move journaled pending rows into `generations` now, so a query issued next sees every
        generation started so far (read-your-writes); free when the journal is empty."""
        if self._journaled or not self._new_starts.empty():
            self.flush(timeout)

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
        finals = [gen for kind, gen, _ in ops if kind == "final"]
        chunks, updates, receipts = self._gather_live({gen.id for gen in finals}) if tick else ([], [], [])
        moves = self._moves(finals, tick)
        if not (ops or chunks or updates or moves):
            return  # an idle tick: no empty transaction
        began = utcnow()
        try:
            self._store.write_batch(moves, chunks, updates, [g for g in finals if g.id not in self._journaled])
        except BaseException as exc:  # noqa: BLE001 - every waiter must learn of the failure
            self._write_failures.failed(exc)
            if len(finals) > 1:
                return self._write_one_by_one(ops, chunks, updates, moves, receipts)
            _hand_back(receipts, saved=False)
            return self._settle(ops, exc)
        self._write_failures.succeeded()
        _hand_back(receipts, saved=True)
        self._journaled_moved(moves)
        self._indexed(began, [*moves, *finals], chunks, updates)
        self._forget(finals)
        self._settle(ops, None)

    def _indexed(self, began, records: list[Generation], chunks: list, updates: list) -> None:
        """Committed records and live text go to the search index after the commit, before a final
        record leaves the registry (a reader then finds it in the index or in the registry)."""
        if self._index_feed is not None:
            final = {gen.id: gen for gen in records}  # a final record wins over its moved pending row
            live = {row[0] for row in chunks} | {gen_id for gen_id, _ in updates}
            self._index_feed.committed(began, list(final.values()), live - set(final))

    def _moves(self, finals: list[Generation], tick: bool) -> list[Generation]:
        """Rows to move from the start journal into `generations`: a final record at once (as the
        whole row), every other journaled row on a tick (as it stands, meta updates included)."""
        while not self._new_starts.empty():
            gen = self._new_starts.get()
            self._journaled[gen.id] = gen
        final_of = {gen.id: gen for gen in finals if gen.id in self._journaled}
        if not tick:
            return list(final_of.values())
        return [final_of.get(gen_id, gen) for gen_id, gen in self._journaled.items()]

    def _journaled_moved(self, moves: list[Generation]) -> None:
        for gen in moves:
            self._journaled.pop(gen.id, None)

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
            self._fold_failures.succeeded()
        except Exception as exc:  # noqa: BLE001 - the Costs page reads the base table meanwhile
            self._fold_failures.failed(exc)

    def _write_one_by_one(self, ops: list, chunks: list, updates: list, moves: list, receipts: list) -> None:
        """After a failed batch, write each op alone so one bad row can't sink the others."""
        for kind, gen, future in ops:
            try:
                if kind == "final":
                    journaled, began = gen.id in self._journaled, utcnow()
                    self._store.write_batch(inserts=[gen] if journaled else [], finals=[] if journaled else [gen])
                    self._journaled_moved([gen])
                    self._indexed(began, [gen], [], [])
                    self._forget([gen])
                future.set_result(None)
            except BaseException as exc:  # noqa: BLE001
                future.set_exception(exc)
        moves = [gen for gen in moves if gen.id in self._journaled]
        try:
            began = utcnow()
            self._store.write_batch(inserts=moves, chunks=chunks, updates=updates)
            self._journaled_moved(moves)
            self._indexed(began, moves, chunks, updates)
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
