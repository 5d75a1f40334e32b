"""A batch's results as a table and as files: input columns, model, prompt, output, status, cost, link.

Available at any time (a running job gives its partial results). CSV is spreadsheet-safe: a text
cell that a spreadsheet would read as a formula gets a leading quote (the same triggers as the
record export, backends/duckdb/csvsafe.py) and every text field is quoted; JSONL and Parquet keep
the exact text. Input columns keep their names; ours are prefixed so they never collide.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from ..backends.duckdb.csvsafe import FORMULA_TRIGGERS
from ..batchrecords import BatchJob, BatchRow
from ..errors import BadRequest

FORMATS = ("csv", "jsonl", "parquet")
OURS = ("batch_row", "batch_model", "batch_status", "batch_output", "batch_cost_usd", "batch_error",
        "batch_generation_id", "batch_link", "batch_prompt")


def results_frame(job: BatchJob, rows: list[BatchRow], outputs: dict[str, str], link) -> pd.DataFrame:
    """One line per (row, model); `outputs` maps generation ids to their text, `link(id)` to a URL."""
    records = []
    for row in rows:
        line = {c: row.inputs.get(c, "") for c in job.columns}
        line.update(batch_row=row.row_index, batch_model=row.model, batch_status=row.status,
                    batch_output=outputs.get(row.gen_id or "", ""),
                    batch_cost_usd=None if row.cost_usd is None else float(row.cost_usd),
                    batch_error=row.error or "", batch_generation_id=row.gen_id or "",
                    batch_link=link(row.gen_id) if row.gen_id else "", batch_prompt=row.prompt)
        records.append(line)
    return pd.DataFrame(records, columns=[*job.columns, *OURS])


def write_results(frame: pd.DataFrame, dest: Path, fmt: str) -> Path:
    if fmt not in FORMATS:
        raise BadRequest(f"Unknown format {fmt!r}: use csv, jsonl or parquet.")
    dest = Path(dest)
    if fmt == "csv":
        safe = frame.apply(lambda col: col if pd.api.types.is_numeric_dtype(col) else col.map(_safe_cell))
        safe.to_csv(dest, index=False, quoting=csv.QUOTE_NONNUMERIC, encoding="utf-8")
    elif fmt == "jsonl":
        frame.to_json(dest, orient="records", lines=True, force_ascii=False)
    else:
        frame.to_parquet(dest, index=False)
    return dest


def results_bytes(frame: pd.DataFrame, fmt: str, scratch: Path) -> bytes:
    """The file's bytes (a download button), written through `scratch` and removed."""
    path = write_results(frame, scratch, fmt)
    try:
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


def _safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
