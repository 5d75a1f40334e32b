"""The record store on PostgreSQL: generations, their streamed text, reads for pages and the CLI.

Any number of replicas, CLIs and notebooks share one database. A pending row is committed as it
is (no start journal: that is a DuckDB device); streamed text goes into `generation_chunks` in
batches, the final text once into `generations` with the chunks deleted in the same transaction.
A live row records the replica that runs it, so leases (leases.py) tell orphans from rows a
neighbour is still streaming. Values are always bound parameters; column names come from code.
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from psycopg import sql

from ...filters import Filters
from ...records import Generation
from . import migrations
from .pool import connection, open_pool
from .where import where_clause

COLS = Generation.COLUMNS
COL_LIST = ", ".join(COLS)
SELECT_ALL = f"SELECT {COL_LIST} FROM generations"
CHUNKS_OF = ("SELECT generation_id, string_agg(text, '' ORDER BY seq) FROM generation_chunks "
             "WHERE generation_id = ANY(%s) GROUP BY generation_id")
INSERT_CHUNK = "INSERT INTO generation_chunks (generation_id, seq, text, saved_utc) VALUES (%s, %s, %s, %s)"
_VALUES = ", ".join(["%s"] * len(COLS))
# A final record lands whether or not its pending row is there (an upsert), and the replica lets go.
UPSERT_FINAL = (f"INSERT INTO generations ({COL_LIST}) VALUES ({_VALUES}) ON CONFLICT (id) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in COLS if c != "id") + ", replica_id = NULL")
INSERT_PENDING = f"INSERT INTO generations ({COL_LIST}, replica_id) VALUES ({_VALUES}, %s)"
THREAD = f"""WITH RECURSIVE chain AS (
    SELECT {COL_LIST}, 1 AS depth FROM generations WHERE id = %s
    UNION ALL
    SELECT {", ".join("g." + c for c in COLS)}, chain.depth + 1 FROM generations g
    JOIN chain ON g.id = chain.parent_id WHERE chain.depth < %s)
SELECT {COL_LIST} FROM chain ORDER BY depth DESC"""


class PostgresStore:
    """Generations in PostgreSQL. `replica_id` marks the live rows this process runs."""

    def __init__(self, url: str, replica_id: str | None = None, schema: str | None = None,
                 target_version: int | None = None, pool_size: int = 8):
        self.pool = open_pool(url, schema, max_size=pool_size)
        self.schema = self.pool.schema
        self.replica_id = replica_id
        try:
            self.migrate(target_version)
        except BaseException:
            self.pool.close()
            raise

    # -- schema -------------------------------------------------------------------------
    def migrate(self, target_version: int | None = None) -> list[int]:
        with connection(self.pool) as con:
            return migrations.migrate(con, self.schema, target_version)

    def schema_version(self) -> int:
        with connection(self.pool) as con:
            return migrations.schema_version(con)

    # -- writes -------------------------------------------------------------------------
    def insert_pending(self, gens: Iterable[Generation]) -> None:
        """Commit new rows (pending, or already final for a cache hit), owned by this replica."""
        rows = [(*g.to_row(), self.replica_id if g.is_live else None) for g in gens]
        if rows:
            with connection(self.pool) as con, con.transaction(), con.cursor() as cur:
                cur.executemany(INSERT_PENDING, rows)

    def write_batch(self, inserts: Iterable[Generation] = (), chunks: Iterable[tuple] = (),
                    updates: Iterable[tuple[str, dict]] = (), finals: Iterable[Generation] = ()) -> None:
        """One transaction: new rows, appended text pieces `(id, seq, text)`, column updates
        `(id, {column: value})`, final records (chunks of those deleted)."""
        inserts, chunks, updates, finals = list(inserts), list(chunks), list(updates), list(finals)
        if not (inserts or chunks or updates or finals):
            return
        with connection(self.pool) as con, con.transaction(), con.cursor() as cur:
            if inserts:
                cur.executemany(INSERT_PENDING, [(*g.to_row(), self.replica_id if g.is_live else None)
                                                 for g in inserts])
            if chunks:
                now = _db_now(cur)
                cur.executemany(INSERT_CHUNK, [(gen_id, seq, text, now) for gen_id, seq, text, *_ in chunks])
            for columns, rows in _group_updates(updates):
                cur.executemany(_update(columns), rows)
            if finals:
                cur.executemany(UPSERT_FINAL, [g.to_row() for g in finals])
                cur.execute("DELETE FROM generation_chunks WHERE generation_id = ANY(%s)", ([g.id for g in finals],))

    def append_text(self, chunks: Iterable[tuple]) -> None:
        self.write_batch(chunks=chunks)

    def finish(self, finals: Iterable[Generation]) -> None:
        self.write_batch(finals=finals)

    # -- reads --------------------------------------------------------------------------
    def get(self, gen_id: str) -> Generation | None:
        found = self.get_many([gen_id])
        return found[0] if found else None

    def get_many(self, ids: list[str]) -> list[Generation]:
        """The records with these ids, in the order given (missing ones left out)."""
        if not ids:
            return []
        with connection(self.pool) as con:
            rows = con.execute(f"{SELECT_ALL} WHERE id = ANY(%s)", (list(ids),)).fetchall()
            found = {g.id: g for g in _with_chunks(con, [Generation.from_row(r) for r in rows])}
        return [found[i] for i in ids if i in found]

    def search(self, filters: Filters, limit: int, offset: int = 0,
               before: tuple[datetime, str] | None = None) -> list[Generation]:
        """Newest first (created, id), rows older than `before` if given."""
        where, params = where_clause(filters, before)
        query = f"{SELECT_ALL} {where} ORDER BY created_utc DESC, id DESC LIMIT %s OFFSET %s"
        with connection(self.pool) as con:
            rows = con.execute(query, [*params, limit, offset]).fetchall()
            return _with_chunks(con, [Generation.from_row(r) for r in rows])

    def count(self, filters: Filters) -> int:
        where, params = where_clause(filters)
        with connection(self.pool) as con:
            return con.execute(f"SELECT count(*) FROM generations {where}", params).fetchone()[0]

    def thread(self, gen_id: str, max_depth: int = 50) -> list[Generation]:
        """The conversation ending at gen_id, oldest first (one recursive query)."""
        with connection(self.pool) as con:
            rows = con.execute(THREAD, (gen_id, max_depth)).fetchall()
            return _with_chunks(con, [Generation.from_row(r) for r in rows])

    def accounts_of(self, user: str) -> list[str]:
        """An admin's user filter as user ids: the value itself and every account with that email."""
        with connection(self.pool) as con:
            rows = con.execute("SELECT user_id FROM users WHERE email = lower(%s)", (user,)).fetchall()
        return list(dict.fromkeys([user, *(r[0] for r in rows)]))

    def close(self) -> None:
        self.pool.close()


def _with_chunks(con, gens: list[Generation]) -> list[Generation]:
    """A live row's saved text is result_text plus its chunks (the final text is written once)."""
    live = {g.id: g for g in gens if g.is_live}
    if live:
        for gen_id, text in con.execute(CHUNKS_OF, (list(live),)).fetchall():
            live[gen_id].result_text = (live[gen_id].result_text or "") + text
    return gens


def _db_now(cur) -> datetime:
    return cur.execute("SELECT (now() AT TIME ZONE 'UTC')::timestamp").fetchone()[0]


def _update(columns: tuple[str, ...]) -> sql.Composed:
    sets = sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in columns)
    return sql.SQL("UPDATE generations SET {} WHERE id = %s").format(sets)


def _group_updates(updates: list[tuple[str, dict]]) -> list[tuple[tuple, list]]:
    """Partial updates grouped by the columns they set, as (columns, [(*values, id), ...])."""
    groups: dict[tuple, list] = {}
    for gen_id, values in updates:
        unknown = set(values) - set(COLS) or ({"id"} & set(values))
        if unknown:  # column names come from code, never from users; refuse anything else
            raise ValueError(f"unknown columns {sorted(unknown)}")
        columns = tuple(sorted(values))
        groups.setdefault(columns, []).append((*(values[c] for c in columns), gen_id))
    return list(groups.items())
