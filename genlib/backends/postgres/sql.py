"""SQL text of the PostgreSQL record store, and folding a live record's saved pieces into its text.

Only placeholders: no value from outside is ever formatted into these strings. Column lists come
from `Generation.COLUMNS`.
"""
from __future__ import annotations

from ...records import Generation

COLS = Generation.COLUMNS
COL_LIST = ", ".join(COLS)
SELECT_ALL = f"SELECT {COL_LIST} FROM generations"
# History and exports list no deleted generation (their rows stay for the books: migration 13).
NOT_DELETED = "NOT EXISTS (SELECT 1 FROM tombstones t WHERE t.id = generations.id)"
CHUNKS_OF = ("SELECT generation_id, string_agg(text, '' ORDER BY seq) FROM generation_chunks "
             "WHERE generation_id = ANY(%s) GROUP BY generation_id")
INSERT_PIECE = "INSERT INTO generation_chunks (generation_id, seq, text, saved_utc) VALUES (%s, %s, %s, %s)"
_VALUES = ", ".join(["%s"] * len(COLS))
# A final record lands whether or not its pending row is there (an upsert), and the replica lets go.
# An "interrupted" written by a replica that claimed the row (its owner's lease lapsed in an
# outage) never replaces a record that already ended: the owner's own final, saved on recovery,
# wins whichever arrives first (see leases.py).
UPSERT_FINAL = (f"INSERT INTO generations AS g ({COL_LIST}) VALUES ({_VALUES}) ON CONFLICT (id) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in COLS if c != "id") + ", replica_id = NULL "
                "WHERE NOT (excluded.status = 'interrupted' AND g.status NOT IN ('pending', 'streaming'))")
INSERT = f"INSERT INTO generations ({COL_LIST}, replica_id) VALUES ({_VALUES}, %s)"
UPSERT_USER = """INSERT INTO users VALUES (%s, %s, %s, %s, %s, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC'))
    ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, email_verified = excluded.email_verified,
    last_seen_utc = excluded.last_seen_utc"""
THREAD = f"""WITH RECURSIVE chain AS (
    SELECT {COL_LIST}, 1 AS depth FROM generations WHERE id = %s
    UNION ALL
    SELECT {", ".join("g." + c for c in COLS)}, chain.depth + 1 FROM generations g
    JOIN chain ON g.id = chain.parent_id WHERE chain.depth < %s)
SELECT {COL_LIST} FROM chain ORDER BY depth DESC"""


def with_chunks(con, gens: list[Generation]) -> list[Generation]:
    """A live row's saved text is result_text plus its chunks (the final text is written once)."""
    live = {g.id: g for g in gens if g.is_live}
    if live:
        for gen_id, text in con.execute(CHUNKS_OF, (list(live),)).fetchall():
            live[gen_id].result_text = (live[gen_id].result_text or "") + text
    return gens


def records_in_order(con, ids: list[str]) -> list[Generation]:
    """The records with these ids (live ones with their saved text), in the order given; missing
    ones left out."""
    if not ids:
        return []
    rows = con.execute(f"{SELECT_ALL} WHERE id = ANY(%s)", (list(ids),)).fetchall()
    found = {g.id: g for g in with_chunks(con, [Generation.from_row(r) for r in rows])}
    return [found[i] for i in ids if i in found]


def storable(values) -> tuple:
    """Values as PostgreSQL TEXT can hold them: it refuses NUL characters (DuckDB keeps them), so a
    NUL in a prompt or a provider's answer is saved as U+FFFD rather than failing the save."""
    return tuple(v.replace("\x00", "\ufffd") if isinstance(v, str) and "\x00" in v else v for v in values)
