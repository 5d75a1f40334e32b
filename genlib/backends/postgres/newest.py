"""The newest matches of a History page's filters, read window by window back in time.

One query for "every match, sorted by date" made PostgreSQL recheck every trigram candidate of a
search term (each a detoasted ~1.5 kB text) to keep 51 of them, and the "1,000+" count read them
again. Here the newest `limit` matches (the count's 1,001, of which the page is a slice) are asked
for in created_utc windows, newest first, each window sized from the matches found so far: one read
gives the count and the page, and a common word stops in the first window. Known limit (EXPLAIN in
docs/PERFORMANCE.md, "PostgreSQL bench"): the planner applies a window's date bound after the
trigram bitmap's recheck, so each window still rechecks every candidate of a rare term.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from .where import and_where

FIRST_SHARE = 1 / 16  # the first window: this share of the table's time span (1/64 took two windows for a 1 % word)
MAX_QUERIES = 6  # the last one reaches the oldest row whatever the matches found so far
MARGIN = 1.3  # a window sized for the matches still needed, with room for an uneven spread
BOUNDS = "SELECT min(created_utc), max(created_utc) FROM generations"


def newest(con, where: str, params: list, limit: int, newer_than: datetime | None = None,
           older_than: datetime | None = None) -> list[tuple[datetime, str]]:
    """(created_utc, id) of the newest `limit` rows matching `where`, in the store's order
    (created_utc DESC, id DESC). `newer_than`/`older_than`: bounds the filters already imply
    (the dates asked for, a cursor), so no window is spent outside them."""
    oldest, latest = con.execute(BOUNDS).fetchone()
    if oldest is None:
        return []
    low = max(oldest, newer_than) if newer_than else oldest
    high = min(latest, older_than) if older_than else latest
    width = max((high - low) * FIRST_SHARE, timedelta(seconds=1))
    found: list[tuple[datetime, str]] = []
    upper = None  # the window below the previous one: created_utc < upper
    for step in range(MAX_QUERIES):
        lower = high - width if step < MAX_QUERIES - 1 else None
        if lower is not None and lower <= low:
            lower = None  # this window reaches the oldest row
        bounds, values = [], []
        if lower is not None:
            bounds.append("created_utc >= %s")
            values.append(lower)
        if upper is not None:
            bounds.append("created_utc < %s")
            values.append(upper)
        found += con.execute(f"SELECT created_utc, id FROM generations {and_where(where, *bounds)} "
                             "ORDER BY created_utc DESC, id DESC LIMIT %s",
                             [*params, *values, limit - len(found)]).fetchall()
        if len(found) >= limit or lower is None:
            break
        upper, covered = lower, high - lower
        # matches so far per unit of time: the next window should hold the rest (at least double the span)
        needed = (limit - len(found)) / len(found) * covered * MARGIN if found else covered * 3
        width = covered + max(needed, covered)
    return found
