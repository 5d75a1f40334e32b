"""Exports of the filtered history from PostgreSQL, mixed into the store: CSV, JSONL or Parquet,
newest first (as History lists them and the embedded store exports), in bounded memory. JSONL nests
the JSON columns (messages, params, images, usage, attachments) as objects, as the embedded one does.

CSV is PostgreSQL's own `COPY ... TO STDOUT`, streamed to the file (text cells neutralized against
formula injection by the same SELECT list as the DuckDB export, booleans written `true`/`false` as
DuckDB does). JSONL and Parquet read a server-side cursor in batches. The file is written beside
the destination and renamed into place at the end, so a failure leaves no half file.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable

from ..duckdb.csvsafe import FORMULA_TRIGGERS, csv_copy_options
from ...errors import StorageUnavailable, first_line
from ...filters import Filters
from ...ids import new_id
from ...records import Generation
from ..duckdb.export import EXPORT_FORMATS, JSON_COLUMNS, check_destination
from ..marksql import ANNOTATED, MARK_COLUMNS
from .pool import connection
from .sql import COLS, COL_LIST, NOT_DELETED
from .where import and_where, where_clause

BATCH_ROWS = 5000
NEWEST_FIRST = "created_utc DESC, id DESC"
# PostgreSQL text holds no NUL (sql.storable), and refuses chr(0) in a query: the other triggers.
_TRIGGERS = ", ".join(f"chr({ord(c)})" for c in FORMULA_TRIGGERS if c != "\0")
TEXT_COLUMNS = {f for f, t in Generation.__annotations__.items() if t in ("str", "str | None")}
BOOL_COLUMNS = {f for f, t in Generation.__annotations__.items() if t == "bool"} | {"starred"}
EXPORTED = (*COLS, *MARK_COLUMNS)  # the record, then its tags, note, star and rating
Progress = Callable[[int, int], None]


class ExportMixin:
    def export(self, filters: Filters, fmt: str, dest: Path, progress: Progress | None = None) -> Path:
        """The filtered rows, newest first; `progress(done, total)` after each batch (CSV: at the end)."""
        if fmt not in EXPORT_FORMATS:
            raise ValueError(f"Unknown export format '{fmt}': use csv, jsonl or parquet.")
        dest = check_destination(dest)
        part = dest.with_name(f".{dest.name}.{new_id()}.part")
        where, params = where_clause(filters)
        where = and_where(where, NOT_DELETED)  # History's rows: a deleted record's blank row stays out
        try:
            with connection(self.pool) as con:
                total = con.execute(f"SELECT count(*) FROM generations {where}", params).fetchone()[0]
                writer = _csv if fmt == "csv" else _batches
                writer(con, fmt, where, params, part, lambda done: progress and progress(done, total))
            os.replace(part, dest)
        except OSError as exc:
            reason = exc.strerror or first_line(exc)
            raise StorageUnavailable(f"The export {dest} could not be written ({reason}).") from exc
        finally:
            part.unlink(missing_ok=True)
        return dest


def _csv(con, fmt, where, params, part: Path, report) -> None:
    # Booleans as text: `t`/`f` in PostgreSQL's CSV, `true`/`false` in DuckDB's (and here).
    text = TEXT_COLUMNS | {"tags", "note"}
    columns = ", ".join(_neutralized(c) if c in text else f"{c}::text AS {c}" if c in BOOL_COLUMNS
                        else c for c in EXPORTED)
    query = (f"COPY (SELECT {columns} FROM {ANNOTATED} {where} ORDER BY {NEWEST_FIRST}) TO STDOUT "
             f"{csv_copy_options(EXPORTED, text)}")
    with open(part, "wb") as out, con.cursor() as cur, cur.copy(query, params) as copy:
        for block in copy:
            out.write(block)
        rows = cur.rowcount
    report(rows)


def _neutralized(column: str) -> str:
    """csvsafe's neutralization in PostgreSQL: a cell starting with a formula trigger gets a quote."""
    return f"CASE WHEN left({column}, 1) IN ({_TRIGGERS}) THEN '''' || {column} ELSE {column} END AS {column}"


def _batches(con, fmt, where, params, part: Path, report) -> None:
    sink = _Parquet(part) if fmt == "parquet" else _Lines(part)
    done = 0
    try:
        with con.transaction(), con.cursor(name="genlib_export") as cur:
            cur.execute(f"SELECT {COL_LIST}, {', '.join(MARK_COLUMNS)} FROM {ANNOTATED} {where} "
                        f"ORDER BY {NEWEST_FIRST}", params)
            while batch := cur.fetchmany(BATCH_ROWS):
                sink.write([(Generation.from_row(row[:len(COLS)]), dict(zip(MARK_COLUMNS, row[len(COLS):])))
                            for row in batch])
                done += len(batch)
                report(done)
    finally:
        sink.close()
    if done == 0:
        report(0)


class _Lines:
    def __init__(self, part: Path):
        self.out = open(part, "w", encoding="utf-8")

    def write(self, gens: list[tuple[Generation, dict]]) -> None:
        self.out.writelines(json.dumps({**_nested(g.to_dict()), **marks}, ensure_ascii=False) + "\n"
                            for g, marks in gens)

    def close(self) -> None:
        self.out.close()


def _nested(row: dict) -> dict:
    """The JSON text columns as JSON values; text that isn't JSON stays a string (as the embedded export)."""
    for column in JSON_COLUMNS:
        value = row.get(column)
        if isinstance(value, str):
            try:
                row[column] = json.loads(value)
            except ValueError:
                pass
    return row


class _Parquet:
    """Every batch through one writer: one file, one schema (that of Generation's fields)."""

    def __init__(self, part: Path):
        import pyarrow as pa  # here: importing pyarrow costs ~1 s, and every CLI start would pay it
        import pyarrow.parquet as pq

        kinds = {"str": pa.string(), "str | None": pa.string(), "int | None": pa.int64(), "bool": pa.bool_(),
                 "Decimal | None": pa.decimal128(38, 18), "datetime | None": pa.timestamp("us")}
        marks = [("tags", pa.string()), ("note", pa.string()), ("starred", pa.bool_()), ("rating", pa.int64())]
        self.schema = pa.schema([(name, kinds[Generation.__annotations__[name]]) for name in COLS] + marks)
        self.pa, self.writer = pa, pq.ParquetWriter(part, self.schema)

    def write(self, gens: list[tuple[Generation, dict]]) -> None:
        rows = [{**{name: getattr(g, name) for name in COLS}, **marks} for g, marks in gens]
        self.writer.write_table(self.pa.Table.from_pylist(rows, schema=self.schema))

    def close(self) -> None:
        self.writer.close()
