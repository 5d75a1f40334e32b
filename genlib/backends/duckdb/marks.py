"""The AnnotationStore and ShareStore of the embedded store: tables in the same DuckDB file.

The SQL is shared with PostgreSQL (backends/marksql.py); this adapter runs it on the store's
connection, each write in one transaction under the store's lock for writers other than the
persister (two edits of one row from two threads would otherwise conflict in DuckDB).
"""
from __future__ import annotations

import pandas as pd

from ..marksql import SQLAnnotations, SQLShares


class MarksOnDuckDB:
    def __init__(self, store):
        self.store = store

    def rows(self, query: str, params: list) -> list[tuple]:
        self.store._settle()  # noqa: SLF001 - journaled starts join `generations` first (free if none)
        with self.store._cursor() as cur:  # noqa: SLF001 - the same package's store
            return cur.execute(query, params).fetchall()

    def frame(self, query: str, params: list) -> pd.DataFrame:
        self.store._settle()  # noqa: SLF001
        return self.store.frame(query, params)

    def run(self, statements: list[tuple[str, list]]) -> None:
        self.store.run_writes(statements)


class DuckDBAnnotations(SQLAnnotations):
    def __init__(self, store):
        super().__init__(MarksOnDuckDB(store))


class DuckDBShares(SQLShares):
    def __init__(self, store):
        super().__init__(MarksOnDuckDB(store))
