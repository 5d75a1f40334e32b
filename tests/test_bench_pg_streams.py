"""bench/pg_streams.py still runs end to end on PostgreSQL + Redis with two replicas (tiny sizes, a
few seconds), and its follow-lag arithmetic. No timing is asserted: `make bench-pg` measures."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.pg_replicas import lags
from bench.report import PG_STREAM_TARGETS, verdict

ROOT = Path(__file__).resolve().parent.parent


def test_lag_is_measured_from_a_to_the_first_b_view_holding_as_much_text():
    a = [(1.0, 5), (2.0, 10), (3.0, 15), (4.0, 20)]
    b = [(1.5, 3), (2.25, 12), (3.5, 20)]  # B's coarser pieces: 12 covers 5 and 10, 20 covers 15 and 20
    got, missed = lags(a, b, began=0.0)
    assert got == pytest.approx([1250.0, 250.0, 500.0, -500.0]) and missed == 0
    got, _ = lags(a, b, began=2.5)  # before B followed: its catch-up read, not lag
    assert got == pytest.approx([500.0, -500.0])
    got, missed = lags(a, b[:2], began=0.0)  # B never showed 15 or 20 characters
    assert got == pytest.approx([1250.0, 250.0]) and missed == 2


def test_tiny_pg_stream_bench_runs_on_two_replicas_and_writes_every_key(tmp_path, pg_server, redis_server):
    import psycopg  # the services fixtures skip (or fail under CI) when a driver is missing
    import redis

    out = tmp_path / "results.json"
    env = {**os.environ, "GENLIB_BENCH_PG_URL": pg_server, "GENLIB_BENCH_REDIS_URL": redis_server}
    proc = subprocess.run([sys.executable, "-m", "bench.pg_streams", "--tiny", "--out", str(out)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results["errors"] == {} and results["mode"] == "tiny"
    assert all(results[key] is not None for key in PG_STREAM_TARGETS), results
    assert results["pg_concurrent_ok"] is True and verdict("pg_concurrent_ok", True) == "ok"
    details = results["details"]
    assert details["pg_throughput_texts_complete"] and details["pg_follow_texts_complete"]
    assert details["pg_follow_unreached"] == 0 and details["pg_follow_lag_ms"]["n"] >= 20
    assert details["pg_follow_lag_loaded_ms"]["n"] >= 20  # again, with 7 other streams on replica A
    assert details["pg_concurrent_genlib_each_s"]["n"] == 8  # 4 on each replica
    assert "pg_follow_lag_ms_p99" in proc.stdout and "verdict" in proc.stdout
    space = details["pg_team_space"]  # its schema and Redis keys are removed at the end
    with psycopg.connect(pg_server) as con:
        assert con.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (space["schema"],)).fetchone() is None
    client = redis.Redis.from_url(redis_server)
    try:
        assert not list(client.scan_iter(match=space["redis_prefix"] + "*"))
    finally:
        client.close()
