"""The writer's batched statements for the embedded store: starts, moves, text pieces, partial
updates and final records, each kind one multi-row statement (store.py runs them in one transaction).
Column names come from code (Generation.COLUMNS); every value is a parameter.
"""
from __future__ import annotations

import json

from ...records import Generation
from . import sql

COLS = Generation.COLUMNS


def batch_statements(types: dict, starts: list, inserts: list, chunks: list, updates: list,
                     finals: list) -> list[tuple]:
    """The writer's batch as a fixed handful of (sql, params), whatever the number of rows."""
    statements = []
    if starts:
        statements.append((sql.insert_starts(len(starts)),
                           [v for g in starts for v in (g.id, json.dumps(g.to_dict()))]))
    if inserts:
        statements.append((sql.insert_many(len(inserts)), [v for g in inserts for v in g.to_row()]))
        statements.append((sql.delete_starts(len(inserts)), [g.id for g in inserts]))
    if chunks:
        statements.append((sql.insert_chunks(len(chunks)), [v for row in chunks for v in row]))
    for columns, rows in _group_updates(updates):
        statements.append((sql.update_many(columns, len(rows), types), [v for r in rows for v in r]))
    if finals:
        columns = tuple(c for c in COLS if c != "id")
        statements.append((sql.update_many(columns, len(finals), types),
                           [v for g in finals for v in g.to_row()]))
        statements.append((f"DELETE FROM generation_chunks WHERE generation_id IN "
                           f"({', '.join('?' for _ in finals)})", [gen.id for gen in finals]))
    return statements


def _group_updates(updates: list[tuple[str, dict]]) -> list[tuple[tuple, list]]:
    """Partial updates grouped by the columns they set, as (columns, [(id, *values), ...])."""
    groups: dict[tuple, list] = {}
    for gen_id, values in updates:
        unknown = set(values) - set(COLS)
        if unknown:  # column names come from code, never from users; refuse anything else
            raise ValueError(f"unknown columns {sorted(unknown)}")
        columns = tuple(sorted(values))
        groups.setdefault(columns, []).append((gen_id, *(values[c] for c in columns)))
    return list(groups.items())
