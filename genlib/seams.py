"""The three seams for scale-out, in one place: the record store, the image store, the dedup cache.

DuckDB, local files and diskcache are the embedded defaults (`DuckDBStore`, `LocalImageStore`,
`DiskDedupCache`). A multi-replica deployment swaps in Postgres / S3-compatible / Redis classes with
these methods and passes them to `Vault(store=..., images=..., cache=...)`; pages and the worker only
ever talk to the Vault. Known gap: the cost and budget reports hand DuckDB-dialect SQL text to
`frame`/`row_dict` (genlib/store_sql.py), so another store also needs its own version of that module.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Iterable, Iterator, Protocol

import pandas as pd

from .cache import DedupCache
from .filters import Filters
from .images import ImageStore
from .records import Generation

__all__ = ["RecordStore", "ImageStore", "DedupCache"]


class RecordStore(Protocol):
    """Generations, their streamed chunks and the cost rollup. Writes for live rows come from one
    thread (the persister), batched: journaled starts (a cheap pending row, moved into the table by a
    later insert), new rows, text chunks, field updates and final records."""

    def write_batch(self, inserts: Iterable[Generation] = (), chunks: Iterable[tuple] = (),
                    updates: Iterable[tuple[str, dict]] = (), finals: Iterable[Generation] = (),
                    starts: Iterable[Generation] = ()) -> None: ...
    def get(self, gen_id: str) -> Generation | None: ...
    def search(self, filters: Filters, limit: int, offset: int = 0) -> list[Generation]: ...
    def thread(self, gen_id: str, max_depth: int = 50) -> list[Generation]: ...
    def live_rows(self) -> tuple[list[Generation], list[Generation]]: ...
    def iter_priced_rows(self) -> Iterator[Generation]: ...
    def export(self, filters: Filters, fmt: str, dest: Path) -> Path: ...
    def frame(self, query: str, params: list) -> pd.DataFrame: ...
    def row_dict(self, query: str, params: list) -> dict: ...
    def rollup_watermark(self) -> date | None: ...
    def fold_rollup(self, until: date | None = None) -> None: ...
    def rebuild_rollup(self) -> None: ...
    def close(self) -> None: ...
