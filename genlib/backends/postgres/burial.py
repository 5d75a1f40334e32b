"""Deleting generations in the PostgreSQL store, mixed into `PostgresStore`: tombstones (migration 13).

As the DuckDB store's: a buried record's row keeps its cost fields (the rollup and spend read it
unchanged) and loses its content in the transaction that adds its tombstone; pictures go after the
commit. One replica prunes at a time: a session advisory lock per schema, held for the prune.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime
from typing import Sequence

from ...clock import utcnow
from ..marksql import protected
from .marks import MarksOnPostgres
from ..burialsql import NOT_LIVE, blank, content_bytes
from ...tombstone import Candidate, Tombstone
from .pool import connection

RETENTION_LOCK_CLASS = 0x67657274  # "gert": (class, hashtext(schema)) is one prune per schema
_EXPIRED = (f"SELECT id, user_id, created_utc, {content_bytes('octet_length')}, "
            f"coalesce(json_array_length(images_json::json), 0) FROM generations g WHERE created_utc < %s AND {NOT_LIVE} "
            "AND NOT EXISTS (SELECT 1 FROM tombstones t WHERE t.id = g.id)")
_BURY = ("INSERT INTO tombstones SELECT id, user_id, created_utc, (now() AT TIME ZONE 'UTC'), %s, %s, images_json, NULL "
         f"FROM generations WHERE id = ANY(%s) AND {NOT_LIVE} ON CONFLICT (id) DO NOTHING RETURNING id")


class BurialMixin:
    def expired(self, before: datetime, limit: int, after: tuple[datetime, str] | None = None) -> list[Candidate]:
        query, params = _EXPIRED, [before]
        if after is not None:
            query += " AND (created_utc, id) > (%s, %s)"
            params += [after[0], after[1]]
        with connection(self.pool) as con:
            rows = con.execute(f"{query} ORDER BY created_utc, id LIMIT %s", [*params, limit]).fetchall()
        return [Candidate(*row) for row in rows]

    def protected_ids(self, candidate_ids: Sequence[str]) -> set[str]:
        """Those starred, noted or with a working share link (issue 14: kept unless the policy says not)."""
        return protected(MarksOnPostgres(self.pool), candidate_ids, utcnow())

    def bury(self, ids: Sequence[str], deleted_by: str | None, reason: str) -> list[str]:
        if not ids:
            return []
        with connection(self.pool) as con, con.transaction():
            # Row locks first: a concurrent re-pricing or a second prune waits, then finds them buried.
            con.execute("SELECT id FROM generations WHERE id = ANY(%s) FOR UPDATE", (list(ids),))
            buried = [r[0] for r in con.execute(_BURY, (deleted_by, reason, list(ids))).fetchall()]
            if buried:
                con.execute(blank("%s"), (buried,))
        return buried

    def unswept(self, limit: int) -> list[tuple[str, list[dict]]]:
        with connection(self.pool) as con:
            rows = con.execute("SELECT id, images_json FROM tombstones WHERE cleaned_utc IS NULL "
                               "ORDER BY deleted_utc LIMIT %s", (limit,)).fetchall()
        return [(gen_id, json.loads(images) if images else []) for gen_id, images in rows]

    def swept(self, ids: Sequence[str]) -> None:
        """Nothing derived to drop: the trigram indexes follow the blanked rows by themselves."""
        if ids:
            with connection(self.pool) as con:
                con.execute("UPDATE tombstones SET cleaned_utc = (now() AT TIME ZONE 'UTC'), images_json = NULL "
                            "WHERE id = ANY(%s)", (list(ids),))

    def tombstone(self, gen_id: str) -> Tombstone | None:
        with connection(self.pool) as con:
            row = con.execute("SELECT id, user_id, created_utc, deleted_utc, deleted_by, reason FROM tombstones "
                              "WHERE id = %s", (gen_id,)).fetchone()
        return Tombstone(*row) if row else None

    def reclaim(self, full: bool = False) -> None:
        """VACUUM makes the old row versions' space reusable (autocommit connections: allowed here),
        `full` or not: VACUUM FULL would lock the table every replica writes while it rewrites it,
        so giving the space back to the system is left to the operator's maintenance window."""
        with connection(self.pool) as con:
            con.execute("VACUUM generations")
            con.execute("VACUUM tombstones")

    @contextmanager
    def retention_turn(self):
        with connection(self.pool) as con:
            got = con.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))",
                              (RETENTION_LOCK_CLASS, self.schema)).fetchone()[0]
            try:
                yield got
            finally:
                if got:
                    con.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", (RETENTION_LOCK_CLASS, self.schema))
