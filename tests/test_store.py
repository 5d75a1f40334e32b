"""The DuckDB record store: migrations from older schemas, the database lock (its export and the other
RecordStore promises: tests/contract/)."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime

from genlib import DatabaseLocked
from genlib.backends.duckdb.migrations import MIGRATIONS
from genlib.backends.duckdb.store import DuckDBStore


def test_a_database_made_by_schema_1_opens_in_the_current_version(tmp_path):
    path = tmp_path / "old.duckdb"
    old = DuckDBStore(path, target_version=1)
    assert old.schema_version() == 1
    with old._cursor() as cur:  # a row written by version 1, with only the columns it had
        cur.execute("INSERT INTO generations (id, kind, user_id, model_requested, prompt, result_text, "
                    "status, cost_usd, created_utc) VALUES (?, 'text', 'ana', 'gpt-4o-mini', 'old prompt', "
                    "'old answer', 'complete', 0.000123, ?)", ["A" * 21, datetime(2026, 1, 2)])
    old.close()
    new = DuckDBStore(path)
    try:
        assert new.schema_version() == MIGRATIONS[-1][0]
        gen = new.get("A" * 21)
        assert (gen.prompt, gen.result_text, str(gen.cost_usd)) == ("old prompt", "old answer", "0.000123000000000000")
        assert gen.cache_read_tokens is None and gen.cached_from is None
        assert new.migrate() == []  # re-running applies nothing twice
    finally:
        new.close()


def test_migrations_are_numbered_in_increasing_order():
    numbers = [m[0] for m in MIGRATIONS]  # gaps: numbers reserved by branches not merged yet
    assert numbers[0] == 1 and numbers == sorted(set(numbers))


def test_a_second_process_is_told_who_holds_the_database(tmp_path):
    store = DuckDBStore(tmp_path / "db.duckdb")
    try:
        code = ("import sys; from pathlib import Path; from genlib.backends.duckdb.store import DuckDBStore\n"
                "from genlib.errors import DatabaseLocked\n"
                "try: DuckDBStore(Path(sys.argv[1]))\n"
                "except DatabaseLocked as e: print(e.pid, e); sys.exit(3)\n")
        out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "db.duckdb")],
                             capture_output=True, text=True, timeout=60)
        import os
        assert out.returncode == 3 and out.stdout.startswith(str(os.getpid()))
        assert "in use by process" in out.stdout
    finally:
        store.close()
