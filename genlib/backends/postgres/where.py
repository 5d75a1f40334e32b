"""History filters as a PostgreSQL WHERE clause (`%s` placeholders), from the SQL stores' shared
builder (backends/sqlwhere.py): the same meaning as the embedded store's.
"""
from __future__ import annotations

from datetime import datetime

from ...filters import Filters
from .. import sqlwhere
from ..sqlwhere import and_where

MARK = "%s"


def where_clause(filters: Filters, before: tuple[datetime, str] | None = None) -> tuple[str, list]:
    """`WHERE ...` (or "") and its parameters; `before` keeps rows older than (created, id).
    result_text is NOT NULL here, so it is matched as it is (the trigram index serves it)."""
    parts, params = sqlwhere.where_parts(filters, MARK)
    if before is not None:
        parts.append(f"(created_utc, id) < ({MARK}, {MARK})")
        params += [before[0], before[1]]
    return and_where("", *parts), params


def rollup_where(filters: Filters) -> tuple[str, list] | None:
    """The WHERE clause on cost_daily (day, user), or None when the filters need the base table."""
    return sqlwhere.rollup_where(filters, MARK)
