"""History filters as a PostgreSQL WHERE clause: placeholders and a parameter list, never values.

The same meaning as the embedded store's: every wanted term is a case-insensitive substring of the
prompt or the answer (`ILIKE`, which the trigram indexes serve), excluded terms must be in neither,
dates are whole UTC days, an admin's user filter matches the id or the email shown for it.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from ...filters import Filters, escape_like
from ...search.query import parse

# An admin's user filter: the user id, or the email users are shown by (every account with it).
_USER = "(user_id = %s OR user_id IN (SELECT user_id FROM users WHERE email = lower(%s)))"
_TERM = "(prompt ILIKE %s ESCAPE '\\' OR result_text ILIKE %s ESCAPE '\\')"


def where_clause(filters: Filters, before: tuple[datetime, str] | None = None) -> tuple[str, list]:
    """`WHERE ...` (or "") and its parameters; `before` keeps rows older than (created, id)."""
    parts, params = [], []
    for term in parse(filters.q).terms:
        pattern = "%" + escape_like(term.text) + "%"
        parts.append(("NOT " if term.excluded else "") + _TERM)
        params += [pattern, pattern]
    for column, value in (("status", filters.status), ("kind", filters.kind), ("user_id", filters.visible_to)):
        if value is not None:
            parts.append(f"{column} = %s")
            params.append(value)
    if filters.user_id is not None:
        parts.append(_USER)
        params += [filters.user_id, filters.user_id]
    if filters.model:
        parts.append("(model_requested = %s OR model_used = %s)")
        params += [filters.model, filters.model]
    if filters.date_from:
        parts.append("created_utc >= %s")
        params.append(datetime.combine(filters.date_from, time.min))
    if filters.date_to:
        parts.append("created_utc < %s")
        params.append(datetime.combine(filters.date_to + timedelta(days=1), time.min))
    if before is not None:
        parts.append("(created_utc, id) < (%s, %s)")
        params += [before[0], before[1]]
    return ("WHERE " + " AND ".join(parts)) if parts else "", params


def and_(where: str, condition: str) -> str:
    """`where` with one more condition (itself placeholders only)."""
    return f"{where} AND {condition}" if where else f"WHERE {condition}"


def rollup_where(filters: Filters) -> tuple[str, list] | None:
    """The WHERE clause on cost_daily (day, user), or None when the filters need the base table."""
    if filters.q or filters.model or filters.status or filters.kind:
        return None
    parts, params = [], []
    if filters.visible_to is not None:
        parts.append("user_id = %s")
        params.append(filters.visible_to)
    if filters.user_id is not None:
        parts.append(_USER)
        params += [filters.user_id, filters.user_id]
    if filters.date_from:
        parts.append("day >= %s")
        params.append(filters.date_from)
    if filters.date_to:
        parts.append("day <= %s")
        params.append(filters.date_to)
    return ("WHERE " + " AND ".join(parts)) if parts else "", params
