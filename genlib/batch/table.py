"""The input table of a batch: a CSV or Parquet file read into text columns, with clear refusals.

Every cell becomes text (a number as written in the file; an empty cell ""), column names are kept
as they are (spaces and Unicode included). Refused with a readable message: an empty file or one
without rows, more than MAX_ROWS rows, a CSV that is not UTF-8, a file that is neither format.
"""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from ..errors import BadRequest

MAX_ROWS = 100_000  # per job: bigger tables are split into several jobs (documented in the README)
MAX_BYTES = 200 * 1024 * 1024
PARQUET_MAGIC = b"PAR1"


def read_table(data: bytes, name: str) -> pd.DataFrame:
    """The table in `data` (the file's bytes; `name` says which format by its suffix)."""
    if not data or not data.strip():
        raise BadRequest(f"{name} is empty: it needs a header line and at least one row.")
    if len(data) > MAX_BYTES:
        raise BadRequest(f"{name} is larger than {MAX_BYTES // 2**20} MB.")
    parquet = name.lower().endswith(".parquet") or data[:4] == PARQUET_MAGIC
    frame = _parquet(data, name) if parquet else _csv(data, name)
    if frame.empty or not len(frame.columns):
        raise BadRequest(f"{name} has no rows: it needs a header line and at least one row.")
    if len(frame) > MAX_ROWS:
        raise BadRequest(f"{name} has {len(frame):,} rows; a batch takes at most {MAX_ROWS:,}. "
                         "Split the file into several batches.")
    frame.columns = [str(c) for c in frame.columns]
    return frame.fillna("").astype(str)


def read_path(path: Path) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise BadRequest(f"{path} is not a file.")
    return read_table(path.read_bytes(), path.name)


def _csv(data: bytes, name: str) -> pd.DataFrame:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"{name} is not UTF-8 text (byte {exc.start + 1:,} is not valid UTF-8). "
                         "Save it as \"CSV UTF-8\" and upload it again.") from None
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, nrows=MAX_ROWS + 1)
    except pd.errors.EmptyDataError:
        raise BadRequest(f"{name} is empty: it needs a header line and at least one row.") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise BadRequest(f"{name} is not a valid CSV file ({str(exc).splitlines()[0][:200]}).") from None


def _parquet(data: bytes, name: str) -> pd.DataFrame:
    try:
        return pd.read_parquet(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds for a damaged file
        raise BadRequest(f"{name} is not a readable Parquet file ({str(exc).splitlines()[0][:200]}).") from None
