"""Search filters for history, costs and export, and the parameterized WHERE clause they make.

`Filters.from_query` turns URL query parameters into filters, refusing bad values with a
readable message instead of failing later. No value from a filter is ever put in SQL text:
`where_clause` returns placeholders and a parameter list.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta

from .errors import BadRequest
from .records import KINDS, STATUSES
from .search.query import parse
from .validate import valid_unicode

MAX_PAGE_SIZE = 500
MAX_TERM_CHARS = 500


@dataclass(frozen=True)
class Filters:
    q: str | None = None
    model: str | None = None
    status: str | None = None
    kind: str | None = None
    user_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    visible_to: str | None = None  # set by the caller for non-admin users: only their rows

    def __post_init__(self) -> None:
        # Undecodable bytes on a command line arrive as lone surrogates, which no query can bind.
        for f in fields(self):
            if isinstance(getattr(self, f.name), str):
                object.__setattr__(self, f.name, valid_unicode(getattr(self, f.name)))

    @classmethod
    def from_query(cls, params: dict[str, str]) -> tuple["Filters", list[str]]:
        """Filters from URL parameters, plus messages for the values that were ignored."""
        values, problems = {}, []
        for name in ("q", "model", "status", "kind", "user"):
            raw = (params.get(name) or "").strip()
            if raw:
                values["user_id" if name == "user" else name] = raw[:MAX_TERM_CHARS]
        for name in ("status", "kind"):
            allowed = STATUSES if name == "status" else KINDS
            if values.get(name) and values[name] not in allowed:
                problems.append(f"Unknown {name} '{values.pop(name)[:40]}' ignored.")
        for name in ("date_from", "date_to"):
            raw = (params.get(name.replace("date_", "")) or params.get(name) or "").strip()
            if raw:
                try:
                    values[name] = date.fromisoformat(raw[:10])
                except ValueError:
                    problems.append(f"'{raw[:40]}' is not a date (use YYYY-MM-DD); ignored.")
        filters = cls(**values)
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            problems.append("The date range was inverted; swapped it.")
            filters = replace(filters, date_from=filters.date_to, date_to=filters.date_from)
        return filters, problems

    def to_query(self) -> dict[str, str]:
        """The inverse of from_query, for building URLs (visible_to never goes in a URL)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or f.name == "visible_to":
                continue
            key = {"user_id": "user", "date_from": "from", "date_to": "to"}.get(f.name, f.name)
            out[key] = value.isoformat() if isinstance(value, date) else str(value)
        return out


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


def make_cursor(created: datetime, gen_id: str) -> str:
    """A page's position for a URL: rows older than (created, id) come next."""
    return f"{created.isoformat(timespec='microseconds')},{gen_id}"


def parse_cursor(text: str | None) -> tuple[datetime, str] | None:
    """The inverse of make_cursor; a clear BadRequest for a hand-edited value."""
    if not text:
        return None
    when, _, gen_id = str(text).partition(",")
    try:
        created = datetime.fromisoformat(when.strip())
    except ValueError:
        raise BadRequest(f"'{str(text)[:60]}' is not a page position (expected <time>,<id>).") from None
    if created.tzinfo is not None or not gen_id.strip():
        raise BadRequest(f"'{str(text)[:60]}' is not a page position (expected <time>,<id>).")
    return created, gen_id.strip()


def escape_like(term: str) -> str:
    """A LIKE pattern's text with `\\`, `%` and `_` taken literally (with ESCAPE '\\')."""
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def clamp_page(page: object, page_size: object) -> tuple[int, int]:
    """Absurd paging values become the nearest sensible ones."""
    def as_int(value: object, default: int) -> int:
        try:
            return int(value)
        except (TypeError, ValueError):
            return default
    size = min(max(as_int(page_size, 50), 1), MAX_PAGE_SIZE)
    return min(max(as_int(page, 1), 1), 1_000_000), size
