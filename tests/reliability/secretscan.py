"""Search everything GenVault writes for an API key: files, every text column, exports, logs."""
from __future__ import annotations

from pathlib import Path

from genlib import Filters


def files_containing(root: Path, needle: str) -> list[str]:
    """Files under root whose raw bytes contain the needle (database, WAL, dedup cache, images...)."""
    raw = needle.encode()
    return [str(p) for p in Path(root).rglob("*") if p.is_file() and raw in p.read_bytes()]


def columns_containing(vault, needle: str) -> list[str]:
    """table.column for every VARCHAR column of every table holding the needle (compression-proof)."""
    columns = vault.store.frame("SELECT table_name, column_name FROM information_schema.columns "
                                "WHERE data_type = 'VARCHAR'", [])
    hits = []
    for table, column in columns.itertuples(index=False):
        found = vault.store.row_dict(f'SELECT count(*) AS n FROM "{table}" WHERE contains("{column}", ?)', [needle])
        if found["n"]:
            hits.append(f"{table}.{column}")
    return hits


def exports_containing(vault, tmp: Path, needle: str) -> list[str]:
    hits = []
    for fmt in ("csv", "jsonl", "parquet"):
        path = vault.export(tmp / f"export.{fmt}", fmt, Filters())
        if needle.encode() in path.read_bytes():
            hits.append(fmt)
    return hits


def assert_nowhere(vault, tmp: Path, key: str, logs: str = "") -> None:
    assert files_containing(vault.data_dir, key) == []
    assert columns_containing(vault, key) == []
    assert exports_containing(vault, tmp, key) == []
    assert key not in logs
    for gen in vault.search(Filters(), page=1, page_size=500).items:
        assert key not in str(gen.to_dict())  # what "Download record (JSON)" serves
