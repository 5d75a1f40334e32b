"""Search filters for history, costs and export; page cursors.

`Filters.from_query` turns URL query parameters into filters, refusing bad values with a
readable message instead of failing later. Each record store turns them into its own query
(DuckDB: backends/duckdb/where.py).
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, datetime

from .errors import BadRequest
from .records import KINDS, STATUSES
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
