"""The PostgreSQL store's report reads, mixed into `PostgresStore`: History pages, the Costs page's
cube and top ten, budget spend, and the cost rollup's upkeep (folded by one replica at a time).

Frames carry the columns and types the DuckDB store's do (dates and hours as datetime64, counts as
int64, charted money as float64 with the exact sum as text), so the pages can't tell them apart.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from time import monotonic as time_now

import pandas as pd

from ...clock import utcnow
from ...filters import Filters, make_cursor, parse_cursor
from ...records import Generation
from ...reports import Page
from ...search.plan import BEST, NEWEST
from ...search.query import parse
from ...search.snippets import snippet
from . import reports_sql as q
from .migrations import LOCK_CLASS
from .pending import merge_pending_lists
from .pool import connection
from .sql import NOT_DELETED, SELECT_ALL, records_in_order
from .newest import Newest, newest, rare_status, served_by_trigrams
from .where import and_where, rollup_where, user_ids, where_clause

COUNT_CAP = 1000  # "1,000+" beyond this, as the search index counts
FOLD_LOCK = "SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))"  # per schema, for one transaction
_SHORTEST = "length(prompt) + length(result_text), created_utc DESC, id DESC"
# Records are folded once they are this old: a record's time is taken before its row commits (by up
# to a pool timeout, 10 s) on a replica whose clock may differ a little, and one that commits behind
# the watermark would never be counted. The Costs page reads what is younger from the table.
FOLD_LAG = timedelta(minutes=10)
FOLD_EVERY_S = 60.0  # a replica's persister calls maintain() every tick (0.2 s)


class ReportsMixin:
    _next_fold = 0.0  # monotonic time of this replica's next fold attempt
    # -- History ---------------------------------------------------------------------------
    def search(self, filters: Filters, page: int, page_size: int, after: str | None = None,
               order: str = NEWEST) -> Page:
        """One History page: newest first (keyset after `after`, else `page` counts pages), or
        best match first (every term found; shorter records first, as the index ranks them)."""
        query = parse(filters.q)
        before = parse_cursor(after) if order == NEWEST else None
        span = _span(filters)
        with connection(self.pool) as con:
            users = user_ids(con, filters)
            where, params = where_clause(filters, users=users)
            where = and_where(where, NOT_DELETED)
            by_day = served_by_trigrams(query)
            # A term's count reads no further than the page (from the top) needs, "N+" when it stops
            # early: each further window rechecks its candidates. Filters alone count to 1,001 (cheap).
            page_end = page * page_size + 1 if before is None else page_size + 1
            at_once = rare_status(con, filters.status)
            counted = newest(con, where, params, COUNT_CAP + 1, *span,
                             enough=page_end if by_day and order == NEWEST else None, by_day=by_day,
                             at_once=at_once)
            if order == BEST and query:
                ids = [r[0] for r in con.execute(f"SELECT id FROM generations {where} ORDER BY {_SHORTEST} "
                                                 "LIMIT %s OFFSET %s", [*params, page_size + 1,
                                                                        (page - 1) * page_size])]
            else:
                ids = [gen_id for _, gen_id in self._newest_page(con, filters, users, counted, page, page_size,
                                                                   before, by_day, at_once)]
            items = records_in_order(con, ids)
        total = len(counted.rows)
        shown = items[:page_size]
        return Page(shown, page, page_size, has_more=len(items) > page_size,
                    next_after=make_cursor(shown[-1].created_utc, shown[-1].id) if shown else None,
                    total=min(total, COUNT_CAP), total_capped=not counted.exhaustive,
                    snippets={g.id: snippet(g, query) for g in shown} if query else {})

    def _newest_page(self, con, filters: Filters, users, counted: Newest, page: int, page_size: int, before,
                     by_day: bool, at_once: bool) -> list:
        """(created, id) of the page's rows and one more: a slice of the newest matches the count read
        when it holds them (positions as PostgreSQL ordered them), else read from the cursor on."""
        rows = counted.rows
        if before is None:
            start = (page - 1) * page_size
        else:
            start = next((i + 1 for i, row in enumerate(rows) if tuple(row) == before), None)
        if start is not None and (counted.exhaustive or start + page_size + 1 <= len(rows)):
            return rows[start:start + page_size + 1]
        where, params = where_clause(filters, before, users)
        where = and_where(where, NOT_DELETED)
        newer_than, older_than = _span(filters)
        if before is not None:
            older_than = min(older_than, before[0]) if older_than else before[0]
            return newest(con, where, params, page_size + 1, newer_than, older_than, by_day=by_day,
                          at_once=at_once).rows
        return newest(con, where, params, start + page_size + 1, newer_than, older_than, by_day=by_day,
                      at_once=at_once).rows[start:]

    # -- the Costs page -------------------------------------------------------------------------
    def cost_cube(self, filters: Filters) -> pd.DataFrame:
        """Folded days from the rollup, the rest from the base table (when the filters can be
        answered from the rollup at all), as one frame of grouping sets."""
        where, params = where_clause(filters)
        rollup = rollup_where(filters)
        watermark = self.rollup_folded_to() if rollup is not None else None
        if watermark is None:
            frame = self._frame(q.COST_CUBE.format(where=where), params)
        elif filters.visible_to is None and filters.user_id is None:  # every user's: the slim rollup
            frame = self._frame(q.COST_CUBE_SLIM.format(rollup_where=rollup[0],
                                                        tail_where=and_where(where, "created_utc >= %s")),
                                [*params, watermark, *rollup[1], *rollup[1]])
        else:
            frame = self._frame(q.COST_CUBE_ROLLUP.format(rollup_where=rollup[0],
                                                          tail_where=and_where(where, "created_utc >= %s")),
                                [*rollup[1], *params, watermark])
        return frame.astype({"day": "datetime64[us]"})

    def top_costs(self, filters: Filters, limit: int = 10) -> pd.DataFrame:
        where, params = where_clause(filters)
        return self._frame(q.COST_TOP.format(where=and_where(where, "cost_usd IS NOT NULL")), [*params, limit])

    def estimated_tokens(self, filters: Filters) -> int:
        where, params = where_clause(filters)
        with connection(self.pool) as con:
            return con.execute(q.ESTIMATED_TOKENS.format(where=and_where(where, "usage_estimated")), params).fetchone()[0]

    # -- budgets --------------------------------------------------------------------------------
    def spend(self, window, user: str) -> dict[str, Decimal]:
        """Budget spend; days the rollup has folded are read from it (each start under a budget
        asks, so this must not scan a month of records)."""
        query, params = self._spend_query(q.SPENT, q.SPENT_FOLDED, window, user)
        with connection(self.pool) as con:
            cur = con.execute(query, params)
            return {d.name: Decimal(v) for d, v in zip(cur.description, cur.fetchone())}

    def spend_by_user(self, window) -> pd.DataFrame:
        return self._frame(*self._spend_query(q.SPENT_BY_USER, q.SPENT_BY_USER_FOLDED, window, None))

    def _spend_query(self, plain: str, folded: str, window, user: str | None) -> tuple[str, dict]:
        watermark = self.rollup_folded_to()
        if watermark is None or watermark <= window.since:
            return plain, _window(window, user)
        return folded, {**_window(window, user), "folded": watermark}

    def hourly_spend(self, window, user: str | None) -> pd.DataFrame:
        return self._frame(q.HOURLY, _window(window, user))

    def hour_generations(self, window, user: str) -> pd.DataFrame:
        return self._frame(q.HOUR_GENERATIONS, _window(window, user))

    # -- the rollup -----------------------------------------------------------------------------
    def rollup_folded_to(self) -> datetime | None:
        """Records created before this are summed in the rollup; later ones are read from the table."""
        with connection(self.pool) as con:
            return con.execute(q.ROLLUP_WATERMARK).fetchone()[0]

    def rollup_watermark(self) -> date | None:
        """The day the watermark falls in: every day before it is in the rollup whole."""
        folded_to = self.rollup_folded_to()
        return None if folded_to is None else folded_to.date()

    def maintain(self) -> None:
        """Fold the records older than FOLD_LAG into cost_daily and merge the search indexes' pending
        lists (pending.py), at most once per FOLD_EVERY_S here. Replicas all call this; a
        transaction-scoped advisory lock lets one fold while the others skip (they'd find the
        watermark moved anyway)."""
        if time_now() >= self._next_fold:
            self.fold_rollup()
            self._next_fold = time_now() + FOLD_EVERY_S
            merge_pending_lists(self.pool)

    def fold_rollup(self, until: date | datetime | None = None) -> bool:
        """Fold the records created before `until` (a day: its start; default FOLD_LAG ago), never
        one created at or after a live record's start (its final numbers would be missed)."""
        if until is None:
            until = utcnow() - FOLD_LAG
        elif not isinstance(until, datetime):
            until = datetime.combine(until, time.min)
        with connection(self.pool) as con, con.transaction():
            if not con.execute(FOLD_LOCK, (LOCK_CLASS, self.schema)).fetchone()[0]:
                return False  # another replica is folding
            earliest_live = con.execute(q.EARLIEST_LIVE).fetchone()[0]
            if earliest_live is not None:
                until = min(until, earliest_live)
            start = con.execute(q.ROLLUP_WATERMARK + " FOR UPDATE").fetchone()[0]
            if start is not None and start >= until:
                return False
            for fold in (q.ROLLUP_FOLD, *q.SLIM_FOLD):
                con.execute(fold, {"start": start, "until": until})
            con.execute(q.ROLLUP_SET_WATERMARK, {"until": until})
            return True

    def rebuild_rollup(self, con) -> None:
        """Recompute cost_daily up to its watermark, inside the caller's transaction."""
        con.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (LOCK_CLASS, self.schema))
        until = con.execute(q.ROLLUP_WATERMARK + " FOR UPDATE").fetchone()[0]
        for table in ("cost_daily", *q.SLIM):
            con.execute(f"DELETE FROM {table}")
        if until is not None:
            con.execute(q.ROLLUP_FOLD, {"start": None, "until": until})
            for derive in q.DERIVE:
                con.execute(derive)

    # -- prices -----------------------------------------------------------------------------------
    def set_prices(self, prices) -> None:
        """Re-priced records, (id, cost_usd, price_source) each, and the rollup rebuilt: one transaction."""
        prices = list(prices)
        if not prices:
            return
        with connection(self.pool) as con, con.transaction():
            with con.cursor() as cur:
                cur.executemany("UPDATE generations SET cost_usd = %s, price_source = %s WHERE id = %s",
                                [(cost, source, gen_id) for gen_id, cost, source in prices])
            self.rebuild_rollup(con)

    def priced_rows(self):
        """Every finished record that is not a cache hit, oldest first, read in batches."""
        with connection(self.pool) as con, con.transaction():
            with con.cursor(name="genlib_priced_rows") as cur:
                cur.execute(f"{SELECT_ALL} WHERE cached_from IS NULL AND status <> 'pending' ORDER BY created_utc, id")
                while batch := cur.fetchmany(1000):
                    yield from (Generation.from_row(row) for row in batch)

    def _frame(self, query: str, params) -> pd.DataFrame:
        with connection(self.pool) as con:
            cur = con.execute(query, params)
            return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])


def _span(filters: Filters) -> tuple[datetime | None, datetime | None]:
    """The created_utc range the filters' dates allow (whole UTC days, both ends included)."""
    return (datetime.combine(filters.date_from, time.min) if filters.date_from else None,
            datetime.combine(filters.date_to + timedelta(days=1), time.min) if filters.date_to else None)


def _window(window, user: str | None) -> dict:
    return {"fin": window.fin, "fout": window.fout, "day": window.day, "since": window.since,
            "until": window.until, "user": user}
