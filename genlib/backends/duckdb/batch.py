"""The embedded `BatchStore`: batch jobs in the record store's DuckDB file (migration 9).

It runs its SQL through the store's own connection (`run_writes` under the store's writer lock,
`dict_rows` for reads): one file, one process, and nothing here imports duckdb.
"""
from __future__ import annotations

from ..sqlbatch import SQLBatchStore


class DuckDBBatchStore(SQLBatchStore):
    def __init__(self, store):
        self._store = store

    def _write(self, statements: list[tuple[str, list]]) -> None:
        self._store.run_writes(statements)

    def _read(self, query: str, params: list) -> list[dict]:
        return self._store.dict_rows(query, params)

    def close(self) -> None:
        """The record store owns the connection."""
