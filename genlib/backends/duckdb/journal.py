"""The record store's write side, mixed into `DuckDBStore`: the start journal, the writer's batches,
orphans, and the search index kept in step after each commit.

A new record is committed by the thread that starts it as one narrow row in `generation_starts`
(migration 4: the cheapest commit DuckDB offers; concurrent starts share one, `groupcommit.py`). The
next `write` (the writer's flush) moves every journaled row into `generations` in its transaction;
a read that must list every record (`_settle`) moves them first. Nobody outside this store knows.
"""
from __future__ import annotations

import queue
import threading
from typing import Sequence

from ...clock import utcnow
from ...records import Generation
from ...search.history import HistorySearch
from ...search.index import SearchIndex
from ...search.sync import IndexFeed
from .groupcommit import GroupCommit


class JournalMixin:
    def _open_journal(self) -> None:
        self._starts = GroupCommit(self._journal_starts)
        self._journaled: dict[str, Generation] = {}  # committed to the journal, not yet moved
        self._new_starts: queue.SimpleQueue = queue.SimpleQueue()  # journaled by starting threads
        self._write_lock = threading.Lock()  # the writer's batches and a reader's settle, one at a time
        self._feed: IndexFeed | None = None
        self.history: HistorySearch | None = None
        self.search_index: SearchIndex | None = None

    def insert(self, record: Generation) -> None:
        """Durable on return: a journal row, committed by this thread (with any concurrent starts)."""
        self._starts.commit(record)

    def _journal_starts(self, records: list[Generation]) -> None:
        self.write_batch(starts=records)
        for record in records:  # the record object itself: a move inserts it as it stands then
            self._new_starts.put(record)

    def write(self, pieces: Sequence[tuple] = (), updates: Sequence[tuple[str, dict]] = (),
              finals: Sequence[Generation] = ()) -> None:
        """One transaction: journaled rows moved into `generations` (a final record as the whole
        row), text pieces appended, fields set, final records written; then the search index."""
        with self._write_lock:
            self._drain_starts()
            final_of = {gen.id: gen for gen in finals if gen.id in self._journaled}
            moves = [final_of.get(gen_id, gen) for gen_id, gen in self._journaled.items()]
            if not (moves or pieces or updates or finals):
                return
            began = utcnow()
            self.write_batch(moves, pieces, updates, [gen for gen in finals if gen.id not in final_of])
            for gen in moves:
                del self._journaled[gen.id]
            if self._feed is not None:
                done = {gen.id: gen for gen in (*moves, *finals)}  # a final record wins over its moved row
                live = {row[0] for row in pieces} | {gen_id for gen_id, _ in updates}
                self._feed.committed(began, list(done.values()), live - set(done))

    def _drain_starts(self) -> None:
        while not self._new_starts.empty():
            gen = self._new_starts.get()
            self._journaled[gen.id] = gen

    def _settle(self) -> None:
        """Move journaled rows into `generations` now, so the query issued next sees every record
        inserted so far (read-your-writes); free when the journal is empty."""
        if self._journaled or not self._new_starts.empty():
            self.write()

    def claim_orphans(self, own: bool = True) -> list[Generation]:
        """Rows of either table still pending/streaming (one process owns the file: at start-up a
        dead one's, at close our own), saved text folded in. Journaled ones are moved by the
        `write` that finishes them; a journaled finished record (a dedup hit) is moved now.
        Without `own` none: while this process holds the file, every live row is its own."""
        if not own:
            return []
        saved, journaled = self.live_rows()
        with self._write_lock:
            self._drain_starts()
            for gen in journaled:
                self._journaled[gen.id] = gen
        if any(not gen.is_live for gen in journaled):
            self.write()
        return [*saved, *(gen for gen in journaled if gen.is_live)]

    # -- the search index -------------------------------------------------------------------
    def prepare(self, live) -> None:
        """Open the search index and catch it up; from now on each commit feeds it."""
        self.search_index = SearchIndex(self.path.with_name("search.sqlite"))
        self.history = HistorySearch(self, self.search_index, live)
        self.history.prepare()
        self.bulk_listeners.append(self.history.bulk_loaded)
        self._feed = IndexFeed(self.search_index, live)

    def reindex(self, progress=None) -> int:
        self._settle()
        return self.history.rebuild(progress)

    def _close_search(self) -> None:
        if self.history is not None:
            self.history.stop()
            self.search_index.close()
