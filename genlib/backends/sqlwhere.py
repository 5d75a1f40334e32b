"""WHERE clauses for `Filters`, shared by the SQL record stores (DuckDB `?`, PostgreSQL `%s`).

Placeholders and a parameter list only, never a value from a filter in SQL text. The meaning is one
for every backend: each wanted term is a case-insensitive substring of the prompt or the answer
(ILIKE, escaped so % and _ match literally), excluded terms are in neither, dates are whole UTC days
(both ends included), an admin's user filter matches the id or the email shown for it.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Callable

from ..filters import Filters, escape_like
from ..search.query import Term, parse


def where_parts(filters: Filters, mark: str, answer: str = "result_text",
                matched_on: Callable[[Term], tuple[str, str]] | None = None) -> tuple[list[str], list]:
    """The conditions on `generations` and their parameters; `answer` is the answer column's expression;
    `matched_on(term)`: the (prompt, answer) expressions a search term is matched on, if not those."""
    parts, params = [], []
    for term in parse(filters.q).terms:
        # ILIKE scans without building lowered copies of every text (several times faster than
        # contains(lower(...)) on DuckDB at a million rows; PostgreSQL's trigram indexes serve it).
        pattern = "%" + escape_like(term.text) + "%"
        negate = "NOT " if term.excluded else ""
        prompt, text = matched_on(term) if matched_on else ("prompt", answer)
        parts.append(f"{negate}({prompt} ILIKE {mark} ESCAPE '\\' OR {text} ILIKE {mark} ESCAPE '\\')")
        params += [pattern, pattern]
    for column, value in (("status", filters.status), ("kind", filters.kind), ("user_id", filters.visible_to)):
        if value is not None:
            parts.append(f"{column} = {mark}")
            params.append(value)
    _user_filter(filters, mark, parts, params)
    if filters.model:
        parts.append(f"(model_requested = {mark} OR model_used = {mark})")
        params += [filters.model, filters.model]
    if filters.date_from:
        parts.append(f"created_utc >= {mark}")
        params.append(datetime.combine(filters.date_from, time.min))
    if filters.date_to:
        parts.append(f"created_utc < {mark}")
        params.append(datetime.combine(filters.date_to + timedelta(days=1), time.min))
    return parts, params


def rollup_where(filters: Filters, mark: str) -> tuple[str, list] | None:
    """The WHERE clause on cost_daily (day, user), or None when the filters need the base table."""
    if filters.q or filters.model or filters.status or filters.kind:
        return None
    parts, params = [], []
    if filters.visible_to is not None:
        parts.append(f"user_id = {mark}")
        params.append(filters.visible_to)
    _user_filter(filters, mark, parts, params)
    if filters.date_from:
        parts.append(f"day >= {mark}")
        params.append(filters.date_from)
    if filters.date_to:
        parts.append(f"day <= {mark}")
        params.append(filters.date_to)
    return and_where("", *parts), params


def and_where(where: str, *conditions: str) -> str:
    """`where` (a WHERE clause or "") narrowed by more conditions (placeholders only; "" is none)."""
    conditions = tuple(c for c in conditions if c)
    if not conditions:
        return where
    return (f"{where} AND " if where else "WHERE ") + " AND ".join(conditions)


def _user_filter(filters: Filters, mark: str, parts: list, params: list) -> None:
    """An admin's user filter: the user id, or the email users are shown by (every account with it)."""
    if filters.user_id is not None:
        parts.append(f"(user_id = {mark} OR user_id IN (SELECT user_id FROM users WHERE email = lower({mark})))")
        params += [filters.user_id, filters.user_id]
