"""The record store's report reads, mixed into `DuckDBStore`: History pages, the Costs page's cube and
top ten, budget spend, the users table. Every query text is in sql.py; values travel as parameters.
"""
from __future__ import annotations

import re
from datetime import datetime, time
from decimal import Decimal

import pandas as pd

from ...budgets.use import SpendWindow
from ...clock import utcnow
from ...filters import Filters
from .where import and_where, rollup_where, where_clause
from ...reports import Page
from ...search.plan import NEWEST
from . import sql


class ReadsMixin:
    def search(self, filters: Filters, page: int, page_size: int, after: str | None = None,
               order: str = NEWEST) -> Page:
        if self.history is None:
            raise RuntimeError("DuckDBStore.search needs prepare() first (it opens the search index)")
        self._settle()
        return self.history.page(filters, page, page_size, after, order)

    # -- the Costs page -------------------------------------------------------------------------
    def cost_cube(self, filters: Filters) -> pd.DataFrame:
        """Folded days from the rollup, the last day or two from the base table (when the filters
        can be answered from the rollup at all), as one frame of grouping sets."""
        self._settle()
        where, params = where_clause(filters)
        rollup = rollup_where(filters)
        watermark = self.rollup_watermark() if rollup is not None else None
        if watermark is None:
            return self.frame(sql.COST_CUBE.format(where=where), params)
        tail_where = and_where(where, "created_utc >= ?")
        return self.frame(sql.COST_CUBE_ROLLUP.format(rollup_where=rollup[0], tail_where=tail_where),
                          [*rollup[1], *params, datetime.combine(watermark, time.min)])

    def top_costs(self, filters: Filters, limit: int = 10) -> pd.DataFrame:
        self._settle()
        where, params = where_clause(filters)
        return self.frame(sql.COST_TOP.format(where=and_where(where, "cost_usd IS NOT NULL")), [*params, limit])

    def estimated_tokens(self, filters: Filters) -> int:
        self._settle()
        where, params = where_clause(filters)
        return int(self.frame(sql.ESTIMATED_TOKENS.format(where=and_where(where, "usage_estimated")), params).iloc[0, 0])

    # -- budgets ---------------------------------------------------------------------------------
    def spend(self, window: SpendWindow, user: str) -> dict[str, Decimal]:
        row = self.row_dict(*_budget_query("spent", window, user))
        return {name: Decimal(value) for name, value in row.items()}

    def spend_by_user(self, window: SpendWindow) -> pd.DataFrame:
        return self.frame(*_budget_query("spent_by_user", window, None))

    def hourly_spend(self, window: SpendWindow, user: str | None) -> pd.DataFrame:
        return self.frame(*_budget_query("hourly", window, user))

    def hour_generations(self, window: SpendWindow, user: str) -> pd.DataFrame:
        return self.frame(*_budget_query("hour_generations", window, user))

    # -- users -----------------------------------------------------------------------------------
    def users(self) -> list[tuple[str, str | None, bool]]:
        rows = self.frame("SELECT user_id, email, email_verified FROM users", [])
        return [(u, e if isinstance(e, str) else None, bool(v)) for u, e, v in rows.itertuples(index=False)]

    def sign_in(self, user_id: str, issuer: str, subject: str, email: str | None, email_verified: bool,
                take_over: str | None) -> None:
        """Upsert the user; with `take_over`, rows saved under that (lower-cased) email become theirs,
        the journal's included (settled first) and the search index's too."""
        if take_over:
            self._settle()
        now = utcnow()
        statements = [(sql.UPSERT_USER, [user_id, issuer, subject, email, email_verified, now, now])]
        if take_over:
            statements += [(f"UPDATE {table} SET user_id = ? WHERE user_id = ?", [user_id, take_over])
                           for table in ("generations", "cost_daily")]
        self.run_writes(statements)
        if take_over and self.search_index is not None:
            self.search_index.rename_user(take_over, user_id)


def _budget_query(name: str, window: SpendWindow, user: str | None) -> tuple[str, dict]:
    """The named budget query and exactly the named parameters it uses (DuckDB refuses extra ones)."""
    query = sql.BUDGET_QUERIES[name]
    values = {"fin": window.fin, "fout": window.fout, "day": window.day, "since": window.since,
              "until": window.until, "user": user}
    return query, {key: values[key] for key in set(re.findall(r"\$(\w+)", query))}
