"""The embedded `CompareStore`: comparison groups in the DuckDB file's `compare_groups` table.

Rare writes (a group's creation, its pick) go through the store's own locked transaction; reads
use a fresh cursor like every other read. Values are always parameters.
"""
from __future__ import annotations

from datetime import datetime

from ...compare.model import CompareGroup, panel_marker

COLS = ", ".join(CompareGroup.COLUMNS)
MARKS = ", ".join("?" for _ in CompareGroup.COLUMNS)


class DuckDBCompareStore:
    def __init__(self, store):
        self._store = store  # the DuckDBStore: its lock, cursors and error handling

    def create(self, group: CompareGroup) -> None:
        self._store.run_writes([(f"INSERT INTO compare_groups ({COLS}) VALUES ({MARKS})", list(group.to_row()))])

    def get(self, group_id: str) -> CompareGroup | None:
        rows = self._store.fetch_rows(f"SELECT {COLS} FROM compare_groups WHERE id = ?", [group_id])
        return CompareGroup.from_row(rows[0]) if rows else None

    def pick(self, group_id: str, pick: str, by: str, when: datetime) -> bool:
        changed = self._store.write_returning(
            "UPDATE compare_groups SET pick = ?, picked_by = ?, picked_utc = ? "
            "WHERE id = ? AND pick IS NULL RETURNING id", [pick, by, when, group_id])
        return bool(changed)

    def recent(self, user_id: str | None, since: datetime | None, until: datetime | None,
               limit: int) -> list[CompareGroup]:
        where, params = [], []
        for clause, value in (("user_id = ?", user_id), ("created_utc >= ?", since), ("created_utc < ?", until)):
            if value is not None:
                where.append(clause)
                params.append(value)
        condition = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._store.fetch_rows(f"SELECT {COLS} FROM compare_groups {condition} "
                                      "ORDER BY created_utc DESC, id LIMIT ?", [*params, int(limit)])
        return [CompareGroup.from_row(row) for row in rows]

    def of_generation(self, gen_id: str) -> CompareGroup | None:
        rows = self._store.fetch_rows(f"SELECT {COLS} FROM compare_groups WHERE contains(panels_json, ?)",
                                      [panel_marker(gen_id)])
        return next((g for g in map(CompareGroup.from_row, rows) if gen_id in g.generation_ids), None)
