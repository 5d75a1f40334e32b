"""The one clock genlib stores: naive UTC datetimes, as DuckDB TIMESTAMP columns hold them."""
from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    """Naive UTC, as stored in TIMESTAMP columns."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
