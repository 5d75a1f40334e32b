"""The newest matches of a History page's filters, read window by window back in time.

One query for "every match, sorted by date" made PostgreSQL recheck every trigram candidate of a
search term (each a detoasted ~1.5 kB text) to keep 51 of them. Here the newest matches are asked
for in windows, newest first, each window sized from the matches found so far, and the read stops
once it holds `enough` (the page) — or `limit` (the count's 1,001) — or reaches the oldest row.
A search term the trigram indexes serve is windowed by whole UTC days (`DAY_KEY`, the first key of
those GIN indexes, migration 14), so a window's day range is in the index condition and only its
own candidates are rechecked; other pages (filters only, short terms) by created_utc, which the
newest-first btree serves in order.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from ...search.query import Query
from .where import and_where

FIRST_SHARE = 1 / 16  # the first window: this share of the table's time span (1/64 took two windows for a 1 % word)
MAX_QUERIES = 6  # the last one reaches the oldest row whatever the matches found so far
MARGIN = 1.3  # a window sized for the matches still needed, with room for an uneven spread
BOUNDS = "SELECT min(created_utc), max(created_utc) FROM generations"
DAY_KEY = "(created_utc::date - DATE '1970-01-01')"  # days since 1970: immutable, so indexable
MAX_DAY_KEYS = 32  # 85 day keys took GIN 60 ms at 300k rows, rechecking every candidate 15
_EPOCH = datetime(1970, 1, 1)
RARE_SHARE = 0.01
# The share of records with a status, from ANALYZE's most common values (0 when it is not among them).
STATUS_SHARE = """SELECT coalesce((SELECT m.f
    FROM unnest(s.most_common_vals::text::text[], s.most_common_freqs) AS m(v, f) WHERE m.v = %s), 0) FROM pg_stats s
    WHERE s.schemaname = current_schema() AND s.tablename = 'generations' AND s.attname = 'status'"""
_TRIGRAM_WORD = re.compile(r"[^\W_]{3}")  # pg_trgm extracts a LIKE pattern's trigrams from its words


@dataclass
class Newest:
    rows: list[tuple[datetime, str]]  # (created_utc, id), in the store's order
    exhaustive: bool  # every match in the range is in `rows` (so len(rows) is the count)


def served_by_trigrams(query: Query) -> bool:
    """True when a wanted term has a word of 3+ letters or digits: the trigram indexes narrow it."""
    return any(_TRIGRAM_WORD.search(term.text) for term in query.wanted)


def newest(con, where: str, params: list, limit: int, newer_than: datetime | None = None,
           older_than: datetime | None = None, enough: int | None = None, by_day: bool = False,
           at_once: bool = False) -> Newest:
    """The newest `limit` rows matching `where` (created_utc DESC, id DESC), or fewer once `enough`
    are found. `newer_than`/`older_than`: bounds the filters already imply (the dates asked for, a
    cursor), so no window is spent outside them. `by_day`: window by DAY_KEY (see the docstring).
    `at_once`: one query over the whole range, no windows (see `rare_status`)."""
    oldest, latest = con.execute(BOUNDS).fetchone()
    if oldest is None:
        return Newest([], True)
    low = max(oldest, newer_than) if newer_than else oldest
    high = min(latest, older_than) if older_than else latest
    scale = _Days() if by_day else _Micros()
    low, high = scale.unit(low), scale.unit(high) + 1  # [low, high): integers
    width = max(math.ceil((high - low) * FIRST_SHARE), 1)
    found: list[tuple[datetime, str]] = []
    upper = None  # the window below the previous one: key < upper
    for step in range(MAX_QUERIES):
        lower = high - width if step < MAX_QUERIES - 1 and not at_once else None
        if lower is not None and (lower <= low or scale.too_wide(lower, upper or high)):
            lower = None  # this window reaches the oldest row
        whole = lower is None and scale.whole_last  # then it reads the newer windows' matches again
        bounds, values = scale.bounds(lower, upper, high)
        rows = con.execute(f"SELECT created_utc, id FROM generations {and_where(where, *bounds)} "
                           "ORDER BY created_utc DESC, id DESC LIMIT %s",
                           [*params, *values, limit if whole else limit - len(found)]).fetchall()
        found = rows if whole else found + rows
        if len(found) >= limit or lower is None:
            return Newest(found, len(found) < limit)
        if enough is not None and len(found) >= enough:
            return Newest(found, False)
        upper, covered = lower, high - lower
        # matches so far per unit of time: the next window should hold the rest (at least double the span)
        wanted = (enough or limit) - len(found)
        needed = wanted / len(found) * covered * MARGIN if found else covered * 3
        width = covered + max(math.ceil(needed), covered)
    return Newest(found, False)  # not reached: the last window has no lower bound


def rare_status(con, status: str | None) -> bool:
    """True when the planner's statistics say few records have this status (under RARE_SHARE): a
    search within it is then read at once, not in windows. A day window's trigram candidates are
    rechecked (detoasted) before the status is tested, where over the whole range PostgreSQL ANDs
    the status index's bitmap in first (1M rows, status interrupted (0.5 %) + a 1.6 % word: 112 ms
    in windows, 40 at once; status error (3 %): 185 in windows, 885 at once). No statistics: windows."""
    if status is None:
        return False
    share = con.execute(STATUS_SHARE, (status,)).fetchone()
    return share is not None and share[0] < RARE_SHARE


class _Micros:
    """Windows of created_utc, in microseconds since 1970."""
    whole_last = False

    @staticmethod
    def too_wide(lower: int, upper: int) -> bool:
        return False

    @staticmethod
    def unit(moment: datetime) -> int:
        return (moment - _EPOCH) // timedelta(microseconds=1)

    @staticmethod
    def bounds(lower: int | None, upper: int | None, high: int) -> tuple[list[str], list]:
        """The window [lower, upper) (None: open on that side, even past `high`)."""
        bounds, values = [], []
        if lower is not None:
            bounds.append("created_utc >= %s")
            values.append(_EPOCH + timedelta(microseconds=lower))
        if upper is not None:
            bounds.append("created_utc < %s")
            values.append(_EPOCH + timedelta(microseconds=upper))
        return bounds, values


class _Days:
    """Windows of whole UTC days, as DAY_KEY numbers them, each day an equal key: a GIN index walks
    each day's entry along the trigrams' (a range first collects every row of those days, ~0.25 µs a
    row and index). Many days cost GIN more than rechecking the newer days' candidates again, so the
    last window (no lower bound, or over MAX_DAY_KEYS days) is the whole table, no day key."""
    whole_last = True

    @staticmethod
    def unit(moment: datetime) -> int:
        return (moment - _EPOCH).days

    @staticmethod
    def too_wide(lower: int, upper: int) -> bool:
        return upper - lower > MAX_DAY_KEYS

    @staticmethod
    def bounds(lower: int | None, upper: int | None, high: int) -> tuple[list[str], list]:
        if lower is None:
            return [], []
        # integer[]: psycopg sends small ints as int2, which the int4 key's operators would not index
        return [f"{DAY_KEY} = ANY(%s::integer[])"], [list(range(lower, high if upper is None else upper))]
