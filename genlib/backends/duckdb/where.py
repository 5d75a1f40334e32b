"""The DuckDB store's WHERE clauses for `Filters` (`?` placeholders), from the SQL stores' shared
builder (backends/sqlwhere.py). `where_clause` filters `generations`; `rollup_where` the `cost_daily`
rollup.
"""
from __future__ import annotations

from ...filters import Filters
from .. import sqlwhere
from ..sqlwhere import and_where  # noqa: F401 - the store's modules take it from here

MARK = "?"


def where_clause(filters: Filters) -> tuple[str, list]:
    """`WHERE ...` (or "") and its parameters. DuckDB's result_text may be NULL: coalesced for ILIKE."""
    parts, params = sqlwhere.where_parts(filters, MARK, answer="coalesce(result_text, '')")
    return and_where("", *parts), params


def rollup_where(filters: Filters) -> tuple[str, list] | None:
    """The WHERE clause on cost_daily (day, user), or None when the filters need the base table."""
    return sqlwhere.rollup_where(filters, MARK)
