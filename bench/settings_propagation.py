"""How long an admin's edit of the budgets takes to be in force on another replica, and what the
replicas' poll costs (issue 11, point 5). Two PostgresSettings on their own pools (as two replicas
have), the default 1 s poll; `N` edits at random moments of the poll cycle.

    .venv/bin/python bench/settings_propagation.py [postgresql://127.0.0.1:5432/test] [N]
"""
from __future__ import annotations

import random
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from genlib.backends.postgres.documents import PostgresSettings  # noqa: E402
from genlib.backends.postgres.migrations import migrate  # noqa: E402
from genlib.backends.postgres.pool import connection, open_pool  # noqa: E402


def main(url: str, n: int) -> None:
    schema = f"bench_{secrets.token_hex(4)}"
    pools = [open_pool(url, schema, max_size=2) for _ in range(2)]
    try:
        with connection(pools[0]) as con:
            migrate(con, schema)
        admin, replica = (PostgresSettings(pool) for pool in pools)
        lags, version = [], ""
        for i in range(n):
            time.sleep(random.uniform(0, 1.0))  # a random phase of the other replica's poll
            version = admin.write("budgets", f"[overall]\ndaily_usd = {i}\n", version).version
            start = time.perf_counter()
            while replica.current("budgets").version != version:
                time.sleep(0.001)
            lags.append(time.perf_counter() - start)
        polls = []
        for _ in range(200):
            start = time.perf_counter()
            replica.poll()
            polls.append(time.perf_counter() - start)
        admin.close()
        replica.close()
        lags.sort()
        print(f"edit in force on the other replica: p50 {statistics.median(lags):.3f} s, "
              f"p95 {lags[int(0.95 * (len(lags) - 1))]:.3f} s, max {lags[-1]:.3f} s ({n} edits, poll every 1 s)")
        print(f"one poll with nothing changed: median {statistics.median(polls) * 1000:.2f} ms")
    finally:
        for pool in pools:
            pool.close()
        with psycopg.connect(url, autocommit=True) as con:
            con.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "postgresql://127.0.0.1:5432/test",
         int(sys.argv[2]) if len(sys.argv) > 2 else 30)
