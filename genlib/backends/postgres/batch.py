"""`BatchStore` on PostgreSQL: batch jobs shared by every replica and CLI (migration 9).

The lease's compare-and-set is one UPDATE, atomic across replicas; the SQL is the shared one
(backends/sqlbatch.py) with psycopg's `%s` placeholders.
"""
from __future__ import annotations

from psycopg.rows import dict_row

from ..sqlbatch import SQLBatchStore
from .pool import connection


class PostgresBatchStore(SQLBatchStore):
    mark = "%s"

    def __init__(self, pool):
        self._pool = pool

    def _write(self, statements: list[tuple[str, list]]) -> None:
        with connection(self._pool) as con, con.transaction(), con.cursor() as cur:
            for query, params in statements:
                cur.execute(query, params)

    def _read(self, query: str, params: list) -> list[dict]:
        with connection(self._pool) as con, con.cursor(row_factory=dict_row) as cur:
            return cur.execute(query, params).fetchall()

    def close(self) -> None:
        """The record store owns the pool."""
