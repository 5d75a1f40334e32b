"""`python -m bench.retention [ROWS] [--days N] [--workdir DIR]`: what a prune frees on disk.

Builds the synthetic history (bench/dataset.py: 90 days ending now, default 100k rows) in a
DuckDB store with its search index, then prunes everything older than `--days` (default 45, about
half) through a Vault: as the app's daily run does (a checkpoint), or with `--compact` as
`python -m genlib prune` does (the file rewritten). Prints the DuckDB file and the search index
sizes before and after, the prune's duration, and whether the Costs totals stayed the same.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from genlib import Settings, Vault
from genlib.backends.duckdb.store import DuckDBStore

from . import dataset


def mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6, 1)


def run(rows: int, days: int, workdir: Path, compact: bool) -> dict:
    data = workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    store = DuckDBStore(data / "genvault.duckdb")
    dataset.generate(rows, [store.bulk_append])
    store.fold_rollup()
    store.reclaim()
    store.close()
    (data / "budgets.toml").write_text(f"[retention]\ndays = {days}\n")
    vault = Vault(Settings(data_dir=data, budgets_file=data / "budgets.toml"))
    try:
        vault.store.history.ready.wait()  # the index is built in the background above 50k rows
        vault.store.search_index.checkpoint()
        db, index = data / "genvault.duckdb", data / "search.sqlite"
        before = {"duckdb_mb": mb(db), "search_index_mb": mb(index)}
        totals = vault.costs().totals
        start = time.perf_counter()
        report = vault.prune(compact=compact)
        took = time.perf_counter() - start
        vault.store.search_index.checkpoint()
        after = {"duckdb_mb": mb(db), "search_index_mb": mb(index)}
        same_books = vault.costs().totals == totals
    finally:
        vault.close()
    closed = {"duckdb_mb": mb(db), "search_index_mb": mb(index)}
    return {"rows": rows, "compact": compact, "pruned": report.count, "text_bytes": report.bytes, "prune_s": round(took, 1),
            "before": before, "after": after, "after_close": closed, "costs_unchanged": same_books}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int, nargs="?", default=100_000)
    parser.add_argument("--days", type=int, default=45)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--compact", action="store_true", help="rewrite the file, as the CLI's prune does")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="genvault-retention-") as tmp:
        print(json.dumps(run(args.rows, args.days, args.workdir or Path(tmp), args.compact), indent=2))


if __name__ == "__main__":
    main()
