"""SQL text both SQL record stores use to bury a generation (migration 13), in each one's dialect.

Only placeholders (`mark`: "?" or "%s") and code-given names: no value is formatted in.
"""
from __future__ import annotations

from ..records import LIVE_STATUSES

NOT_LIVE = f"status NOT IN ({', '.join(repr(s) for s in LIVE_STATUSES)})"
_TEXTS = ("system_prompt", "messages_json", "params_json", "usage_json", "error")


def content_bytes(length: str) -> str:
    """The bytes a record's content takes, `length` being the dialect's byte-length function."""
    return " + ".join([f"{length}(prompt)", f"{length}(result_text)",
                       *(f"coalesce({length}({c}), 0)" for c in _TEXTS)])


# What a buried record's content becomes (every other column, the cost fields among them, stays).
CLEARED = {"prompt": "''", "result_text": "''", **{c: "CAST(NULL AS VARCHAR)" for c in (
    "system_prompt", "messages_json", "params_json", "images_json", "error", "response_id", "dedup_key")}}


def blank(mark: str) -> str:
    """Remove the content of the records whose ids are in the list parameter, in place."""
    sets = ", ".join(f"{column} = {value}" for column, value in CLEARED.items())
    return f"UPDATE generations SET {sets} WHERE id = ANY({mark})"


def blanked_rows(mark: str) -> str:
    """The records whose ids are in the list parameter as they are once blanked (DuckDB's REPLACE)."""
    replaced = ", ".join(f"{value} AS {column}" for column, value in CLEARED.items())
    return f"SELECT * REPLACE ({replaced}) FROM generations WHERE id = ANY({mark})"
