"""`python -m bench.postgres [ROWS] [--out PATH] [--keep SCHEMA | --schema SCHEMA]`: History search, filter and costs on PostgreSQL.

The synthetic history of bench/dataset.py is loaded into a fresh schema of GENLIB_BENCH_PG_URL
(default: the test server, 127.0.0.1:5432 db `test`) with COPY, the cost rollup folded and the
table ANALYZEd before any timing; then bench/history.py's and bench/search.py's questions go
through a Vault on that database (the pages' calls). Writes bench/results-postgres.json.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import pandas as pd
import psycopg
from psycopg import sql

from genlib import Settings, Vault
from genlib.backends.postgres.migrations import LOCK_CLASS
from genlib.backends.postgres.pending import merge_pending_lists
from genlib.backends.postgres.pool import connection
from genlib.backends.postgres import reports_sql as q
from genlib.backends.postgres.reports import FOLD_EVERY_S, FOLD_LAG

from . import dataset, history, search
from .stats import p50, rnd, summary

HERE = Path(__file__).resolve().parent
URL = os.environ.get("GENLIB_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
TRIALS = 15


def copy_sink(con, columns: list[str]):
    """A dataset sink: each frame's columns that the table has, COPYed in (text format)."""
    def sink(frame) -> None:
        cols = [c for c in frame.columns if c in columns]
        query = sql.SQL("COPY generations ({}) FROM STDIN").format(sql.SQL(", ").join(map(sql.Identifier, cols)))
        with con.cursor().copy(query) as copy:
            for row in frame[cols].itertuples(index=False, name=None):
                copy.write_row([None if _missing(v) else v for v in row])
    return sink


def _missing(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def load(url: str, rows: int) -> dict:
    """The history into `url` (a migrated schema); returns the dataset's facts and the load time."""
    started = time.perf_counter()
    with psycopg.connect(url.split("?")[0], autocommit=True) as con:
        schema = url.rsplit("schema=", 1)[1]
        con.execute(sql.SQL("SET search_path TO {}, public").format(sql.Identifier(schema)))
        columns = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                             "WHERE table_schema = %s AND table_name = 'generations'", (schema,))]
        info = dataset.generate(rows, [copy_sink(con, columns)])
        con.execute("ANALYZE generations")
    info["load_s"] = round(time.perf_counter() - started, 1)
    return info


def measure(rows: int, kept: str | None = None) -> dict:
    """Timings on a fresh schema (dropped after), or on `kept`: a schema `--keep` loaded before
    (loading 1M rows takes ~10 minutes; a kept one is timed again after a code change)."""
    schema = kept or f"bench_{secrets.token_hex(4)}"
    url = f"{URL}{'&' if '?' in URL else '?'}schema={schema}"
    with TemporaryDirectory() as tmp:
        opened = time.perf_counter()
        vault = Vault(Settings(data_dir=Path(tmp), database_url=url))  # migrates a kept schema
        try:
            if kept:
                info = json.loads(_info_file(schema).read_text(), object_hook=_dates)
                info["open_s"] = round(time.perf_counter() - opened, 1)
            else:
                info = load(url, rows)
            hold_rollup(vault.store, info["end"])
            merge_pending_lists(vault.store.pool)  # as a running replica's upkeep does each minute
            info["rollup_folded"] = vault.store.rollup_watermark() is not None
            samples, checks = history.duckdb_timings(vault, info, _Sizes)
            found, search_checks = search.timings(vault, info, TRIALS)
        finally:
            vault.close()
            if kept is None:
                _drop(schema)
    out = {f"pg_{k}": v for k, v in history.results(samples, None, checks, info, rows).items()
           if not k.startswith("sqlite_") and k != "details"}
    names = ("rare", "absent", "phrase", "filtered", "deep")
    out.update({f"pg_{key}": rnd(p50(found[name]), 2) for key, name in zip(search.KEYS, names)})
    out["details"] = {"rows": rows, "schema": "kept" if kept else "fresh", "load_s": info["load_s"],
                      "open_s": info.get("open_s"), "rollup_folded": info["rollup_folded"], "checks": {**checks, **search_checks},
                      **{f"{k}_ms": summary(v, 2) for k, v in {**samples, **found}.items()}}
    return out


def hold_rollup(store, newest: datetime) -> None:
    """Fold the loaded history as a running deployment would have, relative to its newest record
    (the lag plus a minute between folds: the Costs page reads the records younger than that from
    the table), and keep the watermark there while timing (the persister's upkeep, which folds and
    merges the pending lists every minute, is stopped)."""
    store.maintain = lambda: None
    with connection(store.pool) as con, con.transaction():
        con.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (LOCK_CLASS, store.schema))  # a fold in flight
        con.execute(q.ROLLUP_SET_WATERMARK, {"until": newest - FOLD_LAG - timedelta(seconds=FOLD_EVERY_S)})
        store.rebuild_rollup(con)
    # the rebuild's dead rows: autovacuum may be off, and a kept schema is rebuilt at each run
    with connection(store.pool) as con:
        con.execute("VACUUM cost_daily, cost_daily_models, cost_daily_users")


class _Sizes:
    query_trials = TRIALS


def keep(rows: int, schema: str) -> None:
    """Load `rows` into `schema` and leave it there, with the dataset's facts beside it."""
    url = f"{URL}{'&' if '?' in URL else '?'}schema={schema}"
    with TemporaryDirectory() as tmp:
        vault = Vault(Settings(data_dir=Path(tmp), database_url=url))
        try:
            info = load(url, rows)
            with connection(vault.store.pool) as con, con.transaction():
                vault.store.rebuild_rollup(con)
            vault.store.fold_rollup()
        finally:
            vault.close()
    _info_file(schema).write_text(json.dumps(info, default=str))


def _info_file(schema: str) -> Path:
    return Path(os.environ.get("TMPDIR", "/tmp")) / f"genlib-bench-{schema}.json"


def _dates(obj: dict) -> dict:
    if isinstance(obj.get("end"), str):
        obj["end"] = datetime.fromisoformat(obj["end"])
    return obj


def _drop(schema: str) -> None:
    with psycopg.connect(URL.split("?")[0], autocommit=True) as con:
        con.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.postgres", description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=HERE / "results-postgres.json")
    parser.add_argument("--keep", metavar="SCHEMA", help="only load ROWS into SCHEMA and keep it (no timings)")
    parser.add_argument("--schema", help="time a schema --keep loaded (not dropped) instead of a fresh one")
    args = parser.parse_args(argv)
    if args.keep:
        keep(args.rows, args.keep)
        return 0
    started = time.perf_counter()
    results = measure(args.rows, args.schema)
    results["duration_s"] = round(time.perf_counter() - started, 1)
    results["load_avg_at_end"] = os.getloadavg()
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    for key, value in results.items():
        if key.startswith("pg_"):
            print(f"{key:40} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
