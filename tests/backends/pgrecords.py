"""Helpers for the PostgreSQL store tests: records to write, and the store on a test's schema."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from genlib.ids import new_id
from genlib.records import COMPLETE, STREAMING, TEXT, Generation

T0 = datetime(2026, 11, 2, 9, 0, 0)


def record(prompt: str = "hello", status: str = STREAMING, user: str = "ana", minutes: int = 0,
           **fields) -> Generation:
    values = dict(id=new_id(), kind=TEXT, user_id=user, model_requested="gpt-4o-mini", prompt=prompt,
                  status=status, created_utc=T0 + timedelta(minutes=minutes))
    if status == COMPLETE:
        values.update(finished_utc=values["created_utc"] + timedelta(seconds=3), input_tokens=10,
                      output_tokens=20, cost_usd=Decimal("0.000123"))
    values.update(fields)
    return Generation(**values)


def open_store(space, replica_id: str | None = "replica-a", **kwargs):
    from genlib.backends.postgres import PostgresStore

    return PostgresStore(space.url, replica_id=replica_id, schema=space.schema, **kwargs)


def insert_all(store, gens) -> None:
    for gen in gens:
        store.insert(gen)


def piece(gen_id: str, seq: int, text: str) -> tuple:
    """A streamed text piece as the writer hands it over: (id, seq, text, when it was taken)."""
    return (gen_id, seq, text, T0)
