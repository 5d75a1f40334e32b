"""The DuckDB store's WHERE clauses for `Filters`: placeholders and a parameter list, never a value
from a filter in SQL text. `where_clause` filters `generations`; `rollup_where` the `cost_daily` rollup.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from ...filters import Filters, escape_like
from ...search.query import parse


def where_clause(filters: Filters) -> tuple[str, list]:
    """`WHERE ...` (or "") and its parameters. Dates are whole UTC days, both ends included."""
    parts, params = [], []
    for term in parse(filters.q).terms:
        # ILIKE scans without building lowered copies of every text (several times faster than
        # contains(lower(...)) at a million rows); the term is escaped so % and _ match literally.
        pattern = "%" + escape_like(term.text) + "%"
        negate = "NOT " if term.excluded else ""
        parts.append(f"{negate}(prompt ILIKE ? ESCAPE '\\' OR coalesce(result_text, '') ILIKE ? ESCAPE '\\')")
        params += [pattern, pattern]
    for column, value in (("status", filters.status), ("kind", filters.kind), ("user_id", filters.visible_to)):
        if value is not None:
            parts.append(f"{column} = ?")
            params.append(value)
    _user_filter(filters, parts, params)
    if filters.model:
        parts.append("(model_requested = ? OR model_used = ?)")
        params += [filters.model, filters.model]
    if filters.date_from:
        parts.append("created_utc >= ?")
        params.append(datetime.combine(filters.date_from, time.min))
    if filters.date_to:
        parts.append("created_utc < ?")
        params.append(datetime.combine(filters.date_to + timedelta(days=1), time.min))
    return ("WHERE " + " AND ".join(parts)) if parts else "", params


def _user_filter(filters: Filters, parts: list, params: list) -> None:
    """An admin's user filter: the user id, or the email users are shown by (every account with it)."""
    if filters.user_id is not None:
        parts.append("(user_id = ? OR user_id IN (SELECT user_id FROM users WHERE email = lower(?)))")
        params += [filters.user_id, filters.user_id]


def rollup_where(filters: Filters) -> tuple[str, list] | None:
    """The WHERE clause on cost_daily (day, user), or None when the filters need the base table."""
    if filters.q or filters.model or filters.status or filters.kind:
        return None
    parts, params = [], []
    if filters.visible_to is not None:
        parts.append("user_id = ?")
        params.append(filters.visible_to)
    _user_filter(filters, parts, params)
    if filters.date_from:
        parts.append("day >= ?")
        params.append(filters.date_from)
    if filters.date_to:
        parts.append("day <= ?")
        params.append(filters.date_to)
    return ("WHERE " + " AND ".join(parts)) if parts else "", params


def and_where(where: str, *conditions: str) -> str:
    """`where` (a WHERE clause or "") narrowed by more conditions (placeholders only; "" is none)."""
    conditions = tuple(c for c in conditions if c)
    if not conditions:
        return where
    return (f"{where} AND " if where else "WHERE ") + " AND ".join(conditions)
