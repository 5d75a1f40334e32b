"""Deleting generations in the DuckDB store, mixed into `DuckDBStore`: tombstones (migration 13).

A buried record keeps its row with the cost fields (the rollup and every spend query read it
unchanged) and loses its content, in the transaction that adds its tombstone (the row is deleted
and inserted again blanked: `_rewrite_rows`). The pictures and
the search index entry go after the commit; `unswept` lists the tombstones still waiting for that.
"""
from __future__ import annotations

import json
import threading
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import Sequence

from ...clock import utcnow
from ..marksql import protected
from .marks import MarksOnDuckDB
from ..burialsql import NOT_LIVE, blanked_rows, content_bytes
from ...tombstone import Candidate, Tombstone

_EXPIRED = (f"SELECT id, user_id, created_utc, {content_bytes('strlen')}, coalesce(json_array_length(images_json), 0) "
            f"FROM generations WHERE created_utc < ? AND {NOT_LIVE} AND id NOT IN (SELECT id FROM tombstones)")
_TOMBSTONE = "SELECT id, user_id, created_utc, deleted_utc, deleted_by, reason FROM tombstones WHERE id = ?"


class BurialMixin:
    _retention_lock = threading.Lock()  # one prune at a time in this process (one process owns the file)

    def expired(self, before: datetime, limit: int, after: tuple[datetime, str] | None = None) -> list[Candidate]:
        self._settle()
        query, params = _EXPIRED, [before]
        if after is not None:
            query += " AND (created_utc > ? OR (created_utc = ? AND id > ?))"
            params += [after[0], after[0], after[1]]
        with self._cursor() as cur:
            rows = cur.execute(f"{query} ORDER BY created_utc, id LIMIT ?", [*params, limit]).fetchall()
        return [Candidate(*row) for row in rows]

    def protected_ids(self, candidate_ids: Sequence[str]) -> set[str]:
        """Those starred, noted or with a working share link (issue 14: kept unless the policy says not)."""
        return protected(MarksOnDuckDB(self), candidate_ids, utcnow())

    def bury(self, ids: Sequence[str], deleted_by: str | None, reason: str) -> list[str]:
        if not ids:
            return []
        self._settle()  # a finished record still in the start journal is buried too
        with self._lock, self._cursor() as cur:
            cur.execute("BEGIN")
            try:
                buried = [r[0] for r in cur.execute(
                    "INSERT INTO tombstones SELECT id, user_id, created_utc, ?, ?, ?, images_json, NULL "
                    f"FROM generations WHERE id = ANY(?) AND {NOT_LIVE} "
                    "AND id NOT IN (SELECT id FROM tombstones) RETURNING id",
                    [utcnow(), deleted_by, reason, list(ids)]).fetchall()]
                if buried:  # replaced, not updated: see _rewrite_rows
                    _rewrite_rows(cur, buried)
                cur.execute("COMMIT")
            except BaseException:
                with suppress(Exception):  # a failed COMMIT has rolled back already
                    cur.execute("ROLLBACK")
                raise
        self._unindex(buried)
        return buried

    def unswept(self, limit: int) -> list[tuple[str, list[dict]]]:
        with self._cursor() as cur:
            rows = cur.execute("SELECT id, images_json FROM tombstones WHERE cleaned_utc IS NULL "
                               "ORDER BY deleted_utc LIMIT ?", [limit]).fetchall()
        return [(gen_id, json.loads(images) if images else []) for gen_id, images in rows]

    def swept(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        self._unindex(ids)
        with self._lock, self._cursor() as cur:
            cur.execute("UPDATE tombstones SET cleaned_utc = ?, images_json = NULL WHERE id = ANY(?)",
                        [utcnow(), list(ids)])

    def tombstone(self, gen_id: str) -> Tombstone | None:
        with self._cursor() as cur:
            row = cur.execute(_TOMBSTONE, [gen_id]).fetchone()
        return Tombstone(*row) if row else None

    def reclaim(self, full: bool = False) -> None:
        """A checkpoint: the blocks the blanked rows freed are reused by later writes, but the file
        does not shrink (measured: it grows by the new versions). `full` rewrites the database into
        a new file and swaps it in (half the size after pruning half the rows; bench/retention.py),
        which needs every other user of this store idle: the CLI's prune, not the app."""
        with self._write_lock, self._lock:
            with self._cursor() as cur:
                cur.execute("CHECKPOINT")
                if not full:
                    return
                name = cur.execute("SELECT current_database()").fetchone()[0]
                fresh = self.path.with_name(self.path.name + ".rewrite")
                for left in (fresh, fresh.with_name(fresh.name + ".wal")):  # what a killed rewrite left
                    left.unlink(missing_ok=True)
                cur.execute("ATTACH ? AS genlib_rewrite", [str(fresh)])
                try:
                    cur.execute(f'COPY FROM DATABASE "{name}" TO genlib_rewrite')  # a name DuckDB gave
                finally:
                    cur.execute("DETACH genlib_rewrite")
            self._replace_file(fresh)
        if self.search_index is not None:
            self.search_index.vacuum()

    @contextmanager
    def retention_turn(self):
        got = self._retention_lock.acquire(blocking=False)
        try:
            yield got
        finally:
            if got:
                self._retention_lock.release()

    def _unindex(self, ids: Sequence[str]) -> None:
        if self.search_index is not None and ids:
            self.search_index.remove(ids)


def _rewrite_rows(cur, ids: list[str]) -> None:
    """Delete the rows and insert their blanked copies, in the caller's transaction. An UPDATE keeps
    the old text's blocks and adds new versions (pruning half of 100k rows grew the file 45 %); a
    delete and insert grew it 6 % (bench/retention.py), the freed blocks reused by later writes."""
    cur.execute(f"CREATE OR REPLACE TEMP TABLE genlib_buried AS {blanked_rows('?')}", [ids])
    cur.execute("DELETE FROM generations WHERE id = ANY(?)", [ids])
    cur.execute("INSERT INTO generations SELECT * FROM genlib_buried")
    cur.execute("DROP TABLE genlib_buried")
