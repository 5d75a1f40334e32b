"""Group commit for pending rows: concurrent starts share one DuckDB commit.

Each start commits its own pending row, so a lone start never waits for the writer thread. When
many arrive at once (64 users pressing Generate together), DuckDB would run their commits one
after another, each waiting for the GIL again: instead the first caller commits every row queued
by then in one statement, and the others wait for that commit rather than making their own.
"""
from __future__ import annotations

import threading
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


class _Ticket(Generic[T]):
    __slots__ = ("item", "done", "error")

    def __init__(self, item: T):
        self.item, self.done, self.error = item, False, None


class GroupCommit(Generic[T]):
    def __init__(self, write: Callable[[list[T]], None]):
        self._write = write
        self._cond = threading.Condition()
        self._queue: list[_Ticket[T]] = []
        self._busy = False  # a caller is committing a batch right now

    def commit(self, item: T) -> None:
        """Return once `item` is committed (alone or with others); raise the commit's error if not."""
        ticket, batch = _Ticket(item), None
        with self._cond:
            self._queue.append(ticket)
            while self._busy and not ticket.done:
                self._cond.wait()
            if not ticket.done:  # nobody is committing: this caller commits everything queued
                self._busy, batch, self._queue = True, self._queue, []
        if batch is not None:
            self._commit_batch(batch)
        if ticket.error is not None:
            raise ticket.error

    def _commit_batch(self, batch: list[_Ticket[T]]) -> None:
        error = None
        try:
            self._write([t.item for t in batch])
        except BaseException as exc:  # noqa: BLE001 - every caller in the batch learns of it
            error = exc
        with self._cond:
            for t in batch:
                t.done, t.error = True, error
            self._busy = False
            self._cond.notify_all()
