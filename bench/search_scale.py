"""`python -m bench.search_scale [ROWS ...] [--workdir DIR]`: the search keys at several history sizes.

For each size (default 100k, 300k, 1M): the synthetic history into DuckDB, the search index built
as `genlib reindex` does, then bench.search's questions through a Vault. Shows how each query grows
with the history (issue 12's target: at most 2x from 100k to 1M). A size whose directory already
holds a built history is reused (its index rebuilt when incomplete: another index schema). Also the
cost of indexing one finished generation into that index. Writes bench/results-search-scale.json.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import time
from pathlib import Path

from genlib import Settings, Vault
from genlib.search.index import SearchIndex
from genlib.search.sync import rebuild
from genlib.backends.duckdb.store import DuckDBStore

from . import dataset, search
from .stats import p50, rnd, summary

HERE = Path(__file__).resolve().parent
TRIALS = 15
WRITE_TRIALS = 40


def build(rows: int, data_dir: Path) -> dict:
    """The history (kept across runs) and its search index (rebuilt, and timed, when the index is not
    complete: first run, or another index schema version)."""
    info_file = data_dir / "info.pkl"
    info = pickle.loads(info_file.read_bytes()) if info_file.exists() else None
    data_dir.mkdir(parents=True, exist_ok=True)
    store = DuckDBStore(data_dir / "genvault.duckdb")
    try:
        if info is None:
            info = dataset.generate(rows, [store.bulk_append])
            store.fold_rollup()
        index = SearchIndex(data_dir / "search.sqlite")
        if not index.complete:
            start = time.perf_counter()
            rebuild(index, store)
            info["index_build_s"] = round(time.perf_counter() - start, 1)
            info["index_build_load_avg"] = os.getloadavg()
        index.close()
    finally:
        store.close()
    os.sync()
    info_file.write_bytes(pickle.dumps(info))
    return info


def measure(rows: int, data_dir: Path) -> dict:
    info = build(rows, data_dir)
    vault = Vault(Settings(data_dir=data_dir))
    try:
        samples, checks = search.timings(vault, info, TRIALS)
        write_ms = search.index_write_ms(vault, WRITE_TRIALS)
        vault.store.search_index.remove([f"benchwrite{i:011d}" for i in range(WRITE_TRIALS)])  # not in the next run
        out = {key: rnd(p50(samples[name]), 2) for key, name in
               zip(search.KEYS, ("rare", "absent", "phrase", "filtered", "deep"))}
        out.update(best_match_ms_p50=rnd(p50(samples["best"]), 2), rows=rows,
                   search_index_mb=round(vault.store.search_index.size_bytes() / 1e6),
                   index_build_s=info.get("index_build_s"), index_build_load_avg=info.get("index_build_load_avg"),
                   search_index_write_ms_p50=rnd(p50(write_ms), 3), search_index_write_ms=summary(write_ms, 3),
                   checks=checks, load_avg=os.getloadavg())
        return out
    finally:
        vault.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search_scale", description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="*", type=int, default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/genvault-search-scale"))
    parser.add_argument("--out", type=Path, default=HERE / "results-search-scale.json")
    args = parser.parse_args(argv)
    results = [measure(rows, args.workdir / f"rows{rows}") for rows in args.rows]
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print("rows      " + "  ".join(f"{k.replace('history_', '').replace('_ms_p50', ''):>15}" for k in search.KEYS))
    for r in results:
        print(f"{r['rows']:<9,} " + "  ".join(f"{r[k]:>15}" for k in search.KEYS) + f"   index {r['search_index_mb']} MB")
    if len(results) > 1:
        first, last = results[0], results[-1]
        print("growth    " + "  ".join(f"{(last[k] / first[k] if first[k] else 0):>14.1f}x" for k in search.KEYS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
