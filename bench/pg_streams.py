"""`python -m bench.pg_streams [--quick | --tiny] [--out PATH]`: the streaming keys on PostgreSQL + Redis.

TTFT overhead and throughput (bench/latency.py) on a Vault over a fresh schema of
GENLIB_BENCH_PG_URL and a fresh key prefix of GENLIB_BENCH_REDIS_URL (defaults: the local test
servers), then 64 streams over two replicas and cross-replica follow lag (bench/pg_replicas.py).
Both are removed at the end. Writes bench/results-pg-streams.json (quick/tiny: -quick.json).
"""
from __future__ import annotations

import os
import secrets
import sys
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory

from . import latency, pg_replicas, report
from .cli import finish, size_args
from .harness import raw_client
from .runner import Run
from .server import ServerProcess

PG_URL = os.environ.get("GENLIB_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("GENLIB_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
# followed streams per run: (streams, tokens each, seconds between tokens)
FOLLOW = {"full": (5, 200, 0.02), "quick": (2, 100, 0.02), "tiny": (1, 30, 0.01)}


@contextmanager
def team_space():
    """(database URL, Redis URL, their names) on a new schema and key prefix; both removed afterwards."""
    import psycopg
    import redis
    from psycopg import sql

    schema, prefix = f"bench_{secrets.token_hex(4)}", f"gvbench:{secrets.token_hex(4)}:"
    join = lambda url: "&" if "?" in url else "?"  # noqa: E731
    try:
        yield (f"{PG_URL}{join(PG_URL)}schema={schema}", f"{REDIS_URL}{join(REDIS_URL)}prefix={prefix}",
               {"schema": schema, "redis_prefix": prefix})
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as con:
            con.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        client = redis.Redis.from_url(REDIS_URL)
        try:
            keys = list(client.scan_iter(match=prefix + "*", count=1000))
            for start in range(0, len(keys), 500):
                client.delete(*keys[start:start + 500])
        finally:
            client.close()


def _prefixed(out: dict) -> dict:
    """bench/latency.py's keys and details as this run's (pg_ttft_..., pg_throughput_...)."""
    details = {f"pg_{k}": v for k, v in out.pop("details", {}).items()}
    return {**{f"pg_{k}": v for k, v in out.items()}, "details": details}


def run(sizes, log) -> dict:
    started, r = time.perf_counter(), Run(sizes, log)
    load_at_start = report.load_avg()
    keys = list(report.PG_STREAM_TARGETS)
    with team_space() as (database_url, redis_url, names), ServerProcess() as srv, TemporaryDirectory() as tmp:
        r.details["pg_team_space"] = names  # removed at the end (tests/test_bench_pg_streams.py checks)
        vault = pg_replicas.team_vault(Path(tmp) / "a", srv.base_url, database_url, redis_url)
        client = raw_client(srv.base_url)
        try:
            b = pg_replicas.ReplicaB({"GENLIB_DATABASE_URL": database_url, "GENLIB_REDIS_URL": redis_url},
                                     Path(tmp) / "b", srv.base_url)
            try:
                r.phase("pg ttft", ("pg_ttft_overhead_ms_p50", "pg_ttft_overhead_ms_p99"), lambda: _prefixed(latency.ttft(vault, client, sizes)))
                r.phase("pg throughput", ("pg_throughput_ratio",), lambda: _prefixed(latency.throughput(vault, client, sizes)))
                r.phase("pg concurrent, two replicas", ("pg_concurrent_ok", "pg_concurrent_overhead_ratio"),
                        lambda: pg_replicas.concurrent(vault, client, b, sizes))
                r.phase("pg follow lag", ("pg_follow_lag_ms_p50", "pg_follow_lag_ms_p99"),
                        lambda: pg_replicas.follow_lag(vault, b, *FOLLOW[sizes.name], sizes.concurrent - 1))
            finally:
                b.close()
        finally:
            vault.close()
    values = {key: r.values.get(key) for key in keys}
    machine = {**report.machine(), "load_avg_1m_at_start": load_at_start}
    return {"date": date.today().isoformat(), "mode": sizes.name,
            "duration_s": round(time.perf_counter() - started, 1), **values, "machine": machine,
            "versions": report.versions(), "verdicts": {key: report.verdict(key, values[key]) for key in keys},
            "details": r.details, "errors": r.errors}


def main(argv: list[str] | None = None) -> int:
    sizes, out = size_args("python -m bench.pg_streams", __doc__, argv, "results-pg-streams.json",
                           "results-pg-streams-quick.json")
    results = run(sizes, log=lambda line: print(line, file=sys.stderr, flush=True))
    m = results["machine"]
    return finish(results, out, f"GenVault on PostgreSQL + Redis, two replicas, {sizes.name} run, {results['date']}, "
                  f"{results['duration_s']} s (load average {m['load_avg_1m_at_start']} at start, "
                  f"{m['load_avg_1m_at_end']} at end)", report.PG_STREAM_TARGETS)


if __name__ == "__main__":
    sys.exit(main())
