"""The cost rollup's maintenance, mixed into the record store: watermark, daily fold, rebuild.

`cost_daily` holds per-(day, model, user, kind) sums for days before a watermark; the writer folds
each closed day in once, so nothing is added to the hot write path, and the Costs page reads the
rollup plus the rows of the last day or two. No duckdb import here: it uses the store's cursors.
"""
from __future__ import annotations

from datetime import date, timedelta

from . import sql
from ...clock import utcnow

ROLLUP_MIGRATION = 3


class RollupMixin:
    _folded_on: date | None = None  # the UTC day of the last successful fold

    def maintain(self) -> None:
        """Called by the writer after each flush: once a day (and at start), fold the closed days.
        A failure raises (the writer logs it) and is retried at the next call."""
        today = utcnow().date()
        if today != self._folded_on:
            self.fold_rollup()
            self._folded_on = today

    def rollup_watermark(self) -> date | None:
        """Days before this are in cost_daily; later rows are read from the base table."""
        if self.schema_version_cached < ROLLUP_MIGRATION:
            return None
        with self._cursor() as cur:
            return cur.execute(sql.ROLLUP_WATERMARK).fetchone()[0]

    def fold_rollup(self, until: date | None = None) -> None:
        """Fold every closed day before `until` (default: yesterday) into cost_daily, once.

        Never past a day that still has a live row: its final numbers would be missed."""
        until = until or (utcnow().date() - timedelta(days=1))
        with self._lock, self._cursor() as cur, self._write_errors():
            earliest_live = cur.execute(sql.EARLIEST_LIVE).fetchone()[0]
            if earliest_live is not None:
                until = min(until, earliest_live.date())
            start = cur.execute(sql.ROLLUP_WATERMARK).fetchone()[0]
            if start is not None and start >= until:
                return
            cur.execute("BEGIN")
            cur.execute(sql.ROLLUP_FOLD, [start, start, until])
            cur.execute(sql.ROLLUP_SET_WATERMARK, [until])
            cur.execute("COMMIT")

    def rebuild_rollup(self) -> None:
        """Recompute cost_daily up to its watermark (after a reprice changed old costs)."""
        with self._lock, self._cursor() as cur, self._write_errors():
            until = cur.execute(sql.ROLLUP_WATERMARK).fetchone()[0]
            cur.execute("BEGIN")
            cur.execute("DELETE FROM cost_daily")
            if until is not None:
                cur.execute(sql.ROLLUP_FOLD, [None, None, until])
            cur.execute("COMMIT")

