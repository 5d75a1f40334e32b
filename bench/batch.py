"""Batch throughput: a 1,000-row batch at concurrency 8 vs a plain loop over the raw SDK at concurrency 8.

Both send the same prompts (unique, so no dedup hits) to the loopback server, each asking for
TOKENS tokens DELAY_S apart (a paced provider: ~0.1 s a row). Rows per second of each, and the
ratio (target >= 0.9). The batch is timed from `batch_run` to its end; creating the job (one
insert of every row) is reported apart. Run alone: `python -m bench.batch [--rows N]`.
"""
from __future__ import annotations

import argparse
import io
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from .harness import MODEL, USER, make_vault, raw_client, raw_stream
from .server import ServerProcess, prompt

CONCURRENCY, TOKENS, DELAY_S = 8, 20, 0.005
ROWS = {"full": 1000, "quick": 200, "tiny": 24}
KEYS = ("batch_ratio",)


def prompts(rows: int, tag: str) -> list[str]:
    return [prompt(TOKENS, DELAY_S, nonce=f"{tag}-{i}") for i in range(rows)]


def raw_rows_per_s(base_url: str, rows: int) -> float:
    client = raw_client(base_url)
    start = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(lambda p: raw_stream(client, p), prompts(rows, "raw")))
    return rows / (time.perf_counter() - start)


def batch_rows_per_s(base_url: str, data_dir: Path, rows: int) -> tuple[float, float]:
    """(rows per second of the run, seconds to create the job)."""
    vault = make_vault(data_dir, base_url)
    try:
        csv = io.BytesIO()
        pd.DataFrame({"p": prompts(rows, "batch")}).to_csv(csv, index=False)
        started = time.perf_counter()
        plan = vault.batch_plan(csv.getvalue(), "bench.csv", "{p}", [MODEL], concurrency=CONCURRENCY)
        job_id = vault.batch_create(plan, USER)
        created = time.perf_counter() - started
        start = time.perf_counter()
        vault.batch_run(job_id, USER)
        job = vault.batch_wait(job_id)
        seconds = time.perf_counter() - start
        done = vault.batch_progress(job_id).done
        if job.status != "done" or done != rows:
            raise RuntimeError(f"batch ended {job.status} with {done}/{rows} rows done")
        return rows / seconds, created
    finally:
        vault.close()


def batch(base_url: str, workdir: Path, sizes) -> dict:
    rows = ROWS.get(sizes.name, 1000)
    raw_rps = raw_rows_per_s(base_url, rows)
    batch_rps, created_s = batch_rows_per_s(base_url, workdir / "batch", rows)
    ratio = round(batch_rps / raw_rps, 3)
    return {"batch_ratio": ratio, "details": {"batch": {
        "rows": rows, "concurrency": CONCURRENCY, "tokens_per_row": TOKENS, "delay_s": DELAY_S,
        "raw_rows_per_s": round(raw_rps, 1), "batch_rows_per_s": round(batch_rps, 1), "ratio": ratio,
        "create_job_s": round(created_s, 3)}}}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.batch")
    parser.add_argument("--rows", type=int, default=1000)
    args = parser.parse_args()
    sizes = type("S", (), {"name": "custom"})
    ROWS["custom"] = args.rows
    with ServerProcess() as srv, tempfile.TemporaryDirectory() as tmp:
        print(batch(srv.base_url, Path(tmp), sizes))


if __name__ == "__main__":
    main()
