"""Exports of the filtered history, mixed into the record store: CSV, JSONL or Parquet, newest first
(the order History's table shows). JSONL nests the JSON columns (messages, params, images, usage) as
objects; CSV and Parquet keep them as JSON text, one cell each.

One `COPY (... ORDER BY created_utc)` of a million rows made DuckDB sort every text in memory (9 GB
peak for a 2.6 GB CSV). So the rows are cut into windows of `WINDOW_ROWS` by their timestamps (one
sort of the timestamps alone), each window is sorted and written on its own and appended to the
file: memory stays bounded by a window, and the windows give a progress count. The file is written
beside the destination and renamed into place at the end, so a failure leaves no half file.
No duckdb import here: it uses the store's cursors.
"""
from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from .csvsafe import csv_copy_options, csv_select
from ...errors import BadRequest, StorageUnavailable, first_line
from ...filters import Filters
from .sql import NOT_DELETED
from .where import and_where, where_clause
from ...ids import new_id
from ...records import Generation
from ..marksql import ANNOTATED, MARK_COLUMNS

EXPORT_FORMATS = ("csv", "jsonl", "parquet")
JSON_COLUMNS = ("messages_json", "params_json", "images_json", "usage_json", "attachments_json")
COLUMNS = (*Generation.COLUMNS, *MARK_COLUMNS)  # the record, then its tags, note, star and rating
WINDOW_ROWS = 20_000
EXPORT_MEMORY_LIMIT = "512MB"  # DuckDB's memory while an export runs (a constant, not user input)
_CAP_LOCK = threading.Lock()
Progress = Callable[[int, int], None]  # (rows written, rows in the export)


def check_destination(dest: Path) -> Path:
    """The absolute destination; refuses a folder that doesn't exist (nothing is created)."""
    dest = Path(dest).expanduser().absolute()
    if dest.is_dir():
        raise BadRequest(f"{dest} is a folder: give a file name inside it, e.g. {dest / 'export.csv'}.")
    if not dest.parent.is_dir():
        raise BadRequest(f"The folder {dest.parent} does not exist: create it first, or export elsewhere.")
    return dest


class ExportMixin:
    def export(self, filters: Filters, fmt: str, dest: Path, progress: Progress | None = None) -> Path:
        """The filtered rows, newest first (no chunk data, no secrets: there are none stored).
        CSV text cells are neutralized against formula injection (csvsafe.py)."""
        if fmt not in EXPORT_FORMATS:
            raise ValueError(f"Unknown export format '{fmt}': use csv, jsonl or parquet.")
        dest = check_destination(dest)
        part = dest.with_name(f".{dest.name}.{new_id()}.part")
        failed = lambda exc: StorageUnavailable(  # noqa: E731
            f"The export to {dest} failed ({first_line(exc)}). Check the disk it goes to; "
            "`python -m genlib doctor` checks the data dir.")
        try:
            with self._cursor(failed) as cur, self._capped_memory(cur):
                where, params = where_clause(filters)
                where = and_where(where, NOT_DELETED)  # History's rows: a deleted record's blank row stays out
                windows, total = self._export_windows(cur, where, params)
                sink, done = self._sink(fmt, part), 0
                try:
                    for bounds in reversed(windows):  # newest first: the last window holds the newest rows
                        done += sink.write(cur, self._window_query(fmt, where, bounds), [*params, *bounds[1]])
                        if progress is not None:
                            progress(done, total)
                finally:
                    sink.close()
            os.replace(part, dest)
        except OSError as exc:
            raise StorageUnavailable(f"The export {dest} could not be written ({exc.strerror or exc}).") from exc
        finally:
            part.unlink(missing_ok=True)
        return dest

    @contextmanager
    def _capped_memory(self, cur):
        """DuckDB's block cache grows to 80% of RAM by default: a scan of a 3 GB table during an
        export left 3.3 GB resident. While exports run, the cache is capped (evicted, not lost); the
        first export in records the limit, the last one out restores it."""
        with _CAP_LOCK:
            state = self.__dict__.setdefault("_export_cap", {"running": 0, "saved": None})
            if state["running"] == 0:
                state["saved"] = cur.execute("SELECT current_setting('memory_limit')").fetchone()[0]
                cur.execute(f"SET memory_limit = '{EXPORT_MEMORY_LIMIT}'")
            state["running"] += 1
        try:
            yield
        finally:
            with _CAP_LOCK:
                state["running"] -= 1
                if state["running"] == 0:
                    cur.execute("SET memory_limit = ?", [state["saved"]])

    @staticmethod
    def _export_windows(cur, where: str, params: list) -> tuple[list[tuple[str, list]], int]:
        """([(extra condition, its parameters)] covering every row, row count): windows of about
        WINDOW_ROWS rows, cut where the running row number crosses a multiple of WINDOW_ROWS."""
        total = cur.execute(f"SELECT count(*) FROM generations {where}", params).fetchone()[0]
        starts = [row[0] for row in cur.execute(
            f"SELECT DISTINCT created_utc FROM (SELECT created_utc, row_number() OVER (ORDER BY created_utc) - 1 AS n "
            f"FROM generations {where}) WHERE n % ? = 0 AND n > 0 ORDER BY created_utc", [*params, WINDOW_ROWS]).fetchall()]
        if not starts:
            return [("", [])], total  # one window: all rows (an empty export still gets its header)
        windows = [("created_utc < ?", [starts[0]])]
        windows += [("created_utc >= ? AND created_utc < ?", [lo, hi]) for lo, hi in zip(starts, starts[1:])]
        windows.append(("created_utc >= ?", [starts[-1]]))
        return windows, total

    def _window_query(self, fmt: str, where: str, bounds: tuple[str, list]) -> str:
        where = and_where(where, bounds[0])
        if fmt == "csv":
            columns = csv_select(COLUMNS, self._text_columns())
        elif fmt == "jsonl":
            columns = ", ".join(_as_json(c) if c in JSON_COLUMNS else c for c in COLUMNS)
        else:
            columns = ", ".join(COLUMNS)
        return f"SELECT {columns} FROM {ANNOTATED} {where} ORDER BY created_utc DESC, id DESC"

    def _sink(self, fmt: str, part: Path):
        if fmt == "parquet":
            return _ParquetSink(part)
        if fmt == "jsonl":
            return _LinesSink(part, "(FORMAT json)", header=False)
        return _LinesSink(part, csv_copy_options(COLUMNS, self._text_columns()), header=True)

    def _text_columns(self) -> set[str]:
        return {c for c, t in self._types.items() if t == "VARCHAR"} | {"tags", "note"}



def _as_json(column: str) -> str:
    """A JSON text column as a JSON value, so JSONL nests it; text that isn't JSON stays a string."""
    return f"CASE WHEN json_valid({column}) THEN CAST({column} AS JSON) ELSE to_json({column}) END AS {column}"


class _LinesSink:
    """CSV or JSONL: COPY each window to its own file, then append it (CSV: the header only once)."""

    def __init__(self, part: Path, options: str, header: bool):
        self.part, self.options, self.header, self.first = part, options, header, True

    def write(self, cur, query: str, params: list) -> int:
        window = self.part.with_name(f"{self.part.name}.window")
        target = str(window).replace("'", "''")  # a path made by genlib, quoted as a literal
        try:
            rows = cur.execute(f"COPY ({query}) TO '{target}' {self.options}", params).fetchone()[0]
            with open(window, "rb") as src, open(self.part, "ab") as out:
                if self.header and not self.first:
                    src.readline()  # the header line: column names, no embedded newline
                shutil.copyfileobj(src, out, 1 << 20)
            self.first = False
        finally:
            window.unlink(missing_ok=True)
        return rows

    def close(self) -> None:
        pass


class _ParquetSink:
    """Parquet: every window's record batches through one writer (one file, one schema)."""

    def __init__(self, part: Path):
        self.part, self.writer = part, None

    def write(self, cur, query: str, params: list) -> int:
        reader = cur.sql(query, params=params).to_arrow_reader(4096)
        if self.writer is None:
            import pyarrow.parquet as pq  # here: importing pyarrow costs ~1 s, and every CLI start would pay it

            self.writer = pq.ParquetWriter(self.part, reader.schema)
        rows = 0
        for batch in reader:
            self.writer.write_batch(batch)
            rows += batch.num_rows
        return rows

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
