"""The record store's record reads, mixed into `DuckDBStore`: one record, several in a given order,
newest-first scans, conversation threads, live rows for the sweep, rows for the search index and
the re-pricer. Query texts are in sql.py; values travel as parameters.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Iterator

import pandas as pd

from ...filters import Filters
from ...records import LIVE_STATUSES, PENDING, Generation
from .where import and_where, where_clause
from . import sql

SEARCH_WINDOWS_DAYS = (1, 7, 30)


class LookupsMixin:
    def fetch_rows(self, query: str, params: list) -> list[tuple]:
        with self._cursor() as cur:
            return cur.execute(query, params).fetchall()

    def get(self, gen_id: str) -> Generation | None:
        with self._cursor() as cur:
            row = cur.execute(sql.SELECT_ONE, [gen_id]).fetchone()
            if row is None:  # just started: its pending row may still be in the journal
                row = cur.execute(sql.SELECT_START, [gen_id]).fetchone()
                return self._with_chunks(cur, [Generation.from_dict(json.loads(row[0]))])[0] if row else None
            return self._with_chunks(cur, [Generation.from_row(row)])[0]

    def scan(self, filters: Filters, limit: int, offset: int = 0,
             before: tuple[datetime, str] | None = None) -> list[Generation]:
        """Newest first, rows older than `before` (created, id) if given. Rows are stored in time
        order, so DuckDB's zone maps let a query bounded to recent days skip old row groups: try
        growing windows and stop at the first full page. A full page from a window is exactly the
        global answer, since every row outside is older. (The search index answers first; this
        scan serves while it is being built.)"""
        with self._cursor() as cur:
            newest = before[0] if before else cur.execute("SELECT max(created_utc) FROM generations").fetchone()[0]
            for days in (SEARCH_WINDOWS_DAYS if newest else ()):
                since = newest - timedelta(days=days)
                if filters.date_from and datetime.combine(filters.date_from, datetime.min.time()) >= since:
                    break  # the filter's own range is narrower: query it directly
                rows = self._page(cur, filters, limit, offset, since, before)
                if len(rows) >= limit:
                    return self._with_chunks(cur, rows)
            return self._with_chunks(cur, self._page(cur, filters, limit, offset, None, before))

    @staticmethod
    def _page(cur, filters: Filters, limit: int, offset: int, since: datetime | None,
              before: tuple[datetime, str] | None) -> list[Generation]:
        where, params = where_clause(filters)
        extra, extra_params = [], []
        if since is not None:
            extra.append("created_utc >= ?")
            extra_params.append(since)
        if before is not None:
            extra.append("(created_utc < ? OR (created_utc = ? AND id < ?))")
            extra_params += [before[0], before[0], before[1]]
        where = and_where(where, *extra, sql.NOT_DELETED)
        query = f"{sql.SELECT_ALL} {where} ORDER BY created_utc DESC, id DESC LIMIT ? OFFSET ?"
        return [Generation.from_row(row) for row in
                cur.execute(query, [*params, *extra_params, limit, offset]).fetchall()]

    @staticmethod
    def _with_chunks(cur, gens: list[Generation]) -> list[Generation]:
        """A live row's saved text is result_text plus its chunks (the final text is written once)."""
        live = {g.id: g for g in gens if g.is_live}
        if live:
            for gen_id, text in cur.execute(sql.chunks_of(len(live)), list(live)).fetchall():
                live[gen_id].result_text = (live[gen_id].result_text or "") + text
        return gens

    def get_many(self, ids: list[str]) -> list[Generation]:
        """The records with these ids, in the order given (missing ones left out); like `get`, it
        sees rows still in the start journal (moved first: free when it is empty)."""
        if not ids:
            return []
        self._settle()
        with self._cursor() as cur:
            rows = cur.execute(f"{sql.SELECT_ALL} WHERE id IN ({', '.join('?' for _ in ids)})", list(ids)).fetchall()
            found = {g.id: g for g in self._with_chunks(cur, [Generation.from_row(r) for r in rows])}
        return [found[i] for i in ids if i in found]

    def accounts_of(self, user: str) -> list[str]:
        """An admin's user filter as user ids: the value itself and every account with that email."""
        with self._cursor() as cur:
            rows = cur.execute("SELECT user_id FROM users WHERE email = lower(?)", [user]).fetchall()
        return list(dict.fromkeys([user, *(r[0] for r in rows)]))

    def index_batches(self, since: datetime | None, until: datetime | None = None,
                      batch: int = 5000) -> Iterator[list[tuple]]:
        """Rows for the search index (search_index.FIELDS), oldest first: every row (since None), or
        those created or finished since `since` plus every live one; `until` bounds creation."""
        where, params = [sql.NOT_DELETED], []
        if since is not None:
            where.append(f"(created_utc >= ? OR finished_utc >= ? OR {sql.LIVE})")
            params += [since, since]
        if until is not None:
            where.append("created_utc < ?")
            params.append(until)
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        with self._cursor() as cur:
            cur.execute(f"SELECT {sql.INDEX_FIELDS} FROM generations {clause} ORDER BY created_utc", params)
            while rows := cur.fetchmany(batch):
                yield rows

    def count_rows(self) -> int:
        with self._cursor() as cur:
            return cur.execute("SELECT count(*) FROM generations").fetchone()[0]

    def thread(self, gen_id: str, max_depth: int = 50) -> list[Generation]:
        """The conversation ending at gen_id, oldest first."""
        chain, current = [], self.get(gen_id)
        while current is not None and len(chain) < max_depth:
            chain.append(current)
            current = self.get(current.parent_id) if current.parent_id else None
        return chain[::-1]

    def frame(self, query: str, params: list) -> pd.DataFrame:
        with self._cursor() as cur:
            return cur.execute(query, params).df()

    def row_dict(self, query: str, params: list) -> dict:
        """One row as a dict, values as DuckDB returns them (DECIMAL stays Decimal)."""
        with self._cursor() as cur:
            cur.execute(query, params)
            names = [d[0] for d in cur.description]
            return dict(zip(names, cur.fetchone()))

    def dict_rows(self, query: str, params: list) -> list[dict]:
        """Every row as a dict, values as DuckDB returns them (None stays None, unlike `frame`)."""
        with self._cursor() as cur:
            cur.execute(query, params)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row)) for row in cur.fetchall()]

    def live_rows(self) -> tuple[list[Generation], list[Generation]]:
        """(rows of `generations` still pending/streaming, every row still in the start journal), saved
        chunks folded into live ones' result_text: a sweep updates the first and inserts the second."""
        marks = ", ".join("?" for _ in LIVE_STATUSES)
        with self._cursor() as cur:
            rows = cur.execute(f"{sql.SELECT_ALL} WHERE status IN ({marks})", list(LIVE_STATUSES)).fetchall()
            journaled = cur.execute(sql.SELECT_STARTS).fetchall()
            return (self._with_chunks(cur, [Generation.from_row(row) for row in rows]),
                    self._with_chunks(cur, [Generation.from_dict(json.loads(r[0])) for r in journaled]))

    def priced_rows(self) -> Iterator[Generation]:
        self._settle()
        with self._cursor() as cur:
            cur.execute(f"{sql.SELECT_ALL} WHERE cached_from IS NULL AND status <> '{PENDING}' ORDER BY created_utc")
            while batch := cur.fetchmany(1000):
                yield from (Generation.from_row(row) for row in batch)
