"""Keeping the search index in step with the records: full builds, start-up catch-up, live feeding.

The persister commits records to DuckDB first, then hands them to `IndexFeed` (same thread), which
writes them to the index with the catch-up watermark: "every commit that began before this time is
indexed". A crash between the two commits leaves the watermark behind; at the next start
`catch_up` re-reads every row created or finished since then (less SLACK for out-of-order
finishes) plus any still live, so no record is ever missing for long. Streamed text is re-indexed
at most once per LIVE_INTERVAL_S per generation; final records at once.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from typing import Callable

from ..clock import utcnow
from ..faillog import RepeatedFailureLog
from .index import SearchIndex, row_of

log = logging.getLogger(__name__)
SLACK = timedelta(minutes=10)
LIVE_INTERVAL_S = 1.0
Progress = Callable[[int, int], None]


def rebuild(index: SearchIndex, store, progress: Progress | None = None, until: datetime | None = None,
            skip: Callable[[str], bool] = lambda gen_id: False, stop: threading.Event | None = None) -> int:
    """Index every record created before `until` (all by default); marks the index complete
    (unless `stop` is set between two batches: the index is then left incomplete)."""
    started, total, done = utcnow(), store.count_rows(), 0
    fresh = index.is_empty()
    for rows in store.index_batches(None, until):
        if stop is not None and stop.is_set():
            return done
        rows = [r for r in rows if not skip(r[0])]
        index.append_fresh(rows) if fresh else index.upsert(rows)
        done += len(rows)
        if progress:
            progress(done, total)
    index.upsert([], synced_until=min(started, until or started) - SLACK, complete=True)
    index.checkpoint()
    return done


def catch_up(index: SearchIndex, store, skip: Callable[[str], bool] = lambda gen_id: False) -> int:
    """Index every row the index may be missing (see the module docstring); returns how many."""
    started, since, done = utcnow(), index.synced_until(), 0
    for rows in store.index_batches(since - SLACK if since else None):
        index.upsert([r for r in rows if not skip(r[0])])
        done += len(rows)
    index.upsert([], synced_until=started)
    return done


class IndexFeed:
    """The persister's side: records it committed go into the index after the commit."""

    def __init__(self, index: SearchIndex, registry):
        self.index = index
        self._registry = registry
        self._pending: dict[str, tuple] = {}  # committed, not yet indexed (a failed index write retries)
        self._live_at: dict[str, float] = {}  # when each live generation's text was last indexed
        self._failures = RepeatedFailureLog(log, "updating the search index")

    def committed(self, began: datetime, records: list, live_ids: set[str]) -> None:
        """After a DuckDB commit that began at `began`: index its whole records now, and the text
        so far of live generations that wrote chunks (throttled)."""
        for gen in records:
            self._pending[gen.id] = row_of(gen)
            self._live_at.pop(gen.id, None)
        now = time.monotonic()
        for gen_id in live_ids:
            self._live_at.setdefault(gen_id, 0.0)
        for gen_id, at in list(self._live_at.items()):
            live = self._registry.get(gen_id)
            if live is None or live.ended:
                del self._live_at[gen_id]  # its final record comes (or came) through `records`
            elif now - at >= LIVE_INTERVAL_S and gen_id not in self._pending:
                self._pending[gen_id] = row_of(live.snapshot().record)
                self._live_at[gen_id] = now
        self._write(began)

    def _write(self, began: datetime) -> None:
        if not self._pending:
            return
        try:
            self.index.upsert(list(self._pending.values()), synced_until=began)
        except Exception as exc:  # noqa: BLE001 - search lags; the records are safe; retried next tick
            self._failures.failed(exc)
            return
        self._failures.succeeded()
        self._pending.clear()
