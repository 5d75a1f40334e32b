"""The `CompareStore` on PostgreSQL: comparison groups in `compare_groups` (migration 8), shared
by every replica. The pick is a compare-and-set (`WHERE pick IS NULL`), so two tabs or two replicas
picking at once save one pick. Values are always bound parameters.
"""
from __future__ import annotations

from datetime import datetime

from psycopg import sql

from ...compare.model import CompareGroup, panel_marker
from .pool import connection
from .sql import storable

COLS = sql.SQL(", ").join(sql.Identifier(c) for c in CompareGroup.COLUMNS)
INSERT = sql.SQL("INSERT INTO compare_groups ({}) VALUES ({})").format(
    COLS, sql.SQL(", ").join(sql.Placeholder() for _ in CompareGroup.COLUMNS))
SELECT = sql.SQL("SELECT {} FROM compare_groups").format(COLS)


class PostgresCompareStore:
    def __init__(self, pool):
        self._pool = pool

    def create(self, group: CompareGroup) -> None:
        with connection(self._pool) as con:
            con.execute(INSERT, storable(group.to_row()))

    def get(self, group_id: str) -> CompareGroup | None:
        with connection(self._pool) as con:
            row = con.execute(SELECT + sql.SQL(" WHERE id = %s"), [group_id]).fetchone()
        return CompareGroup.from_row(row) if row else None

    def pick(self, group_id: str, pick: str, by: str, when: datetime) -> bool:
        with connection(self._pool) as con:
            row = con.execute("UPDATE compare_groups SET pick = %s, picked_by = %s, picked_utc = %s "
                              "WHERE id = %s AND pick IS NULL RETURNING id", [pick, by, when, group_id]).fetchone()
        return row is not None

    def recent(self, user_id: str | None, since: datetime | None, until: datetime | None,
               limit: int) -> list[CompareGroup]:
        where, params = [], []
        for clause, value in (("user_id = %s", user_id), ("created_utc >= %s", since), ("created_utc < %s", until)):
            if value is not None:
                where.append(sql.SQL(clause))
                params.append(value)
        condition = sql.SQL(" WHERE ") + sql.SQL(" AND ").join(where) if where else sql.SQL("")
        query = SELECT + condition + sql.SQL(" ORDER BY created_utc DESC, id LIMIT %s")
        with connection(self._pool) as con:
            rows = con.execute(query, [*params, int(limit)]).fetchall()
        return [CompareGroup.from_row(row) for row in rows]

    def of_generation(self, gen_id: str) -> CompareGroup | None:
        with connection(self._pool) as con:  # strpos: no LIKE wildcards to escape in the id
            rows = con.execute(SELECT + sql.SQL(" WHERE strpos(panels_json, %s) > 0"), [panel_marker(gen_id)]).fetchall()
        return next((g for g in map(CompareGroup.from_row, rows) if gen_id in g.generation_ids), None)
