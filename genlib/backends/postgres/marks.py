"""The AnnotationStore and ShareStore on PostgreSQL: tables beside `generations`, on the store's pool.

The SQL is shared with the DuckDB store (backends/marksql.py, `?` placeholders, no literal `%`);
this adapter turns the placeholders into psycopg's and runs each write in one transaction.
"""
from __future__ import annotations

import pandas as pd

from ..marksql import SQLAnnotations, SQLShares
from .pool import connection


def _pg(query: str) -> str:
    return query.replace("?", "%s")


class MarksOnPostgres:
    def __init__(self, pool):
        self.pool = pool

    def rows(self, query: str, params: list) -> list[tuple]:
        with connection(self.pool) as con:
            return con.execute(_pg(query), params).fetchall()

    def frame(self, query: str, params: list) -> pd.DataFrame:
        with connection(self.pool) as con, con.cursor() as cur:
            cur.execute(_pg(query), params)
            return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])

    def run(self, statements: list[tuple[str, list]]) -> None:
        with connection(self.pool) as con, con.transaction(), con.cursor() as cur:
            for query, params in statements:
                cur.execute(_pg(query), params)


class PostgresAnnotations(SQLAnnotations):
    def __init__(self, pool):
        super().__init__(MarksOnPostgres(pool))


class PostgresShares(SQLShares):
    def __init__(self, pool):
        super().__init__(MarksOnPostgres(pool))
