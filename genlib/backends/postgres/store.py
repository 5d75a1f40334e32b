"""The record store on PostgreSQL: generations, their streamed text, reads for pages and the CLI.

Any number of replicas, CLIs and notebooks share one database. A pending row is committed as it
is (no start journal: that is a DuckDB device); streamed text goes into `generation_chunks` in
batches, the final text once into `generations` with the chunks deleted in the same transaction.
A live row records the replica that runs it, so leases (leases.py) tell orphans from rows a
neighbour is still streaming. Values are always bound parameters; column names come from code.
"""
from __future__ import annotations

from datetime import datetime
from typing import Sequence

from psycopg import sql

from ...errors import StorageUnavailable
from ...filters import Filters
from ...records import Generation
from . import migrations
from .leases import LEASE_S, Heartbeat, Leases, new_replica_id
from .pool import connection, open_pool
from .reports_sql import USERS_OF
from .sql import (COLS, INSERT, INSERT_PIECE, SELECT_ALL, THREAD, UPSERT_FINAL, UPSERT_USER, records_in_order,
                  storable, with_chunks)
from .burial import BurialMixin
from .compare import PostgresCompareStore
from .export import ExportMixin
from .reports import ReportsMixin
from .where import where_clause


class PostgresStore(ReportsMixin, ExportMixin, BurialMixin):
    """Generations in PostgreSQL. `replica_id` marks the live rows this process runs."""

    def __init__(self, url: str, replica_id: str | None = None, schema: str | None = None,
                 target_version: int | None = None, pool_size: int = 8, lease_s: float = LEASE_S):
        self.pool = open_pool(url, schema, max_size=pool_size)
        self.schema = self.pool.schema
        self.replica_id = replica_id or new_replica_id()
        self.leases = Leases(self.pool, self.replica_id, lease_s)
        try:
            self.migrate(target_version)
            if target_version is None:  # an old schema (tests) has no lease table yet
                self.heartbeat = Heartbeat(self.leases, every_s=lease_s / 3).start()
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

    def probe(self) -> None:
        """A real write for `genlib doctor`: rewrite the rollup watermark to its own value (a commit
        that changes nothing) and read it back."""
        with connection(self.pool) as con:
            before = con.execute("SELECT folded_until FROM cost_daily_state").fetchone()
            after = con.execute("UPDATE cost_daily_state SET folded_until = folded_until "
                                "RETURNING folded_until").fetchone()
        if before != after:
            raise StorageUnavailable("The database read back a different value than it wrote.")

    # -- writes -------------------------------------------------------------------------
    def insert(self, record: Generation) -> None:
        """A new record (pending, or a dedup hit's finished copy), durable on return; a live one is
        this replica's (see leases.py)."""
        with connection(self.pool) as con:
            con.execute(INSERT, storable((*record.to_row(), self.replica_id if record.is_live else None)))

    def write(self, pieces: Sequence[tuple] = (), updates: Sequence[tuple[str, dict]] = (),
              finals: Sequence[Generation] = ()) -> None:
        """All or nothing: text pieces `(id, seq, text, taken)` appended, fields `(id, {column:
        value})` set, final records written whole (an upsert) with their pieces dropped."""
        if not (pieces or updates or finals):
            return
        with connection(self.pool) as con, con.transaction(), con.cursor() as cur:
            if pieces:
                cur.executemany(INSERT_PIECE, [storable(piece[:4]) for piece in pieces])
            for columns, rows in _group_updates(updates):
                cur.executemany(_update(columns), [storable(r) for r in rows])
            if finals:
                cur.executemany(UPSERT_FINAL, [storable(g.to_row()) for g in finals])
                cur.execute("DELETE FROM generation_chunks WHERE generation_id = ANY(%s)", ([g.id for g in finals],))

    def claim_orphans(self, own: bool = True) -> list[Generation]:
        """Live records of replicas whose lease expired, and (with `own`, at start-up and close)
        this replica's own; the caller finishes them with `write(finals=...)`. A running replica
        claims with own=False every few seconds so a dead neighbour's records end within
        seconds of its lease expiring; a neighbour's live records are never touched."""
        return self.leases.claim_orphans(own)

    def prepare(self, live) -> None:
        """Nothing to bring up to date: the trigram indexes are PostgreSQL's, kept in step by it."""

    # -- reads --------------------------------------------------------------------------
    def get(self, gen_id: str) -> Generation | None:
        found = self.get_many([gen_id])
        return found[0] if found else None

    def get_many(self, ids: list[str]) -> list[Generation]:
        """The records with these ids, in the order given (missing ones left out)."""
        if not ids:
            return []
        with connection(self.pool) as con:
            return records_in_order(con, ids)

    def scan(self, filters: Filters, limit: int, offset: int = 0,
             before: tuple[datetime, str] | None = None) -> list[Generation]:
        """Records newest first (created, id), those older than `before` if given."""
        where, params = where_clause(filters, before)
        query = f"{SELECT_ALL} {where} ORDER BY created_utc DESC, id DESC LIMIT %s OFFSET %s"
        with connection(self.pool) as con:
            rows = con.execute(query, [*params, limit, offset]).fetchall()
            return with_chunks(con, [Generation.from_row(r) for r in rows])

    def count(self, filters: Filters) -> int:
        where, params = where_clause(filters)
        with connection(self.pool) as con:
            return con.execute(f"SELECT count(*) FROM generations {where}", params).fetchone()[0]

    def thread(self, gen_id: str, max_depth: int = 50) -> list[Generation]:
        """The conversation ending at gen_id, oldest first (one recursive query)."""
        with connection(self.pool) as con:
            rows = con.execute(THREAD, (gen_id, max_depth)).fetchall()
            return with_chunks(con, [Generation.from_row(r) for r in rows])

    def users(self) -> list[tuple[str, str | None, bool]]:
        with connection(self.pool) as con:
            return [tuple(r) for r in con.execute("SELECT user_id, email, email_verified FROM users ORDER BY user_id")]

    def sign_in(self, user_id: str, issuer: str, subject: str, email: str | None, email_verified: bool,
                take_over: str | None) -> None:
        """Upsert the user; with `take_over` (a lower-cased email), records saved under it before
        user keys existed become theirs, in the same transaction."""
        with connection(self.pool) as con, con.transaction():
            con.execute(UPSERT_USER, (user_id, issuer, subject, email, email_verified))
            if take_over:
                for table in ("generations", "cost_daily"):
                    con.execute(sql.SQL("UPDATE {} SET user_id = %s WHERE user_id = %s").format(sql.Identifier(table)),
                                (user_id, take_over))
                # the per-user slim rollup (migration 12) is derived again: two ids' days merge into one
                con.execute("DELETE FROM cost_daily_users WHERE user_id IN (%s, %s)", (user_id, take_over))
                con.execute(USERS_OF, (user_id,))

    def reindex(self, progress=None) -> int:
        """No search structure of ours to rebuild (PostgreSQL keeps its trigram indexes in step):
        how many records are searchable."""
        with connection(self.pool) as con:
            total = con.execute("SELECT count(*) FROM generations").fetchone()[0]
        if progress is not None:
            progress(total, total)
        return total

    def accounts_of(self, user: str) -> list[str]:
        """An admin's user filter as user ids: the value itself and every account with that email."""
        with connection(self.pool) as con:
            rows = con.execute("SELECT user_id FROM users WHERE email = lower(%s)", (user,)).fetchall()
        return list(dict.fromkeys([user, *(r[0] for r in rows)]))

    def comparisons(self) -> PostgresCompareStore:
        return PostgresCompareStore(self.pool)

    def close(self) -> None:
        """After this replica ended its own live records: the lease goes, so anything left is
        claimable at once."""
        heartbeat = getattr(self, "heartbeat", None)
        if heartbeat is not None:
            heartbeat.stop()
            try:
                self.leases.release()
            except StorageUnavailable:
                pass  # it expires by itself
        self.pool.close()



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
