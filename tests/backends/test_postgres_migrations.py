"""PostgreSQL schema migrations: numbered, append-only, applied once when replicas start together."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from psycopg import sql

from genlib.records import Generation
from tests.backends.pgrecords import insert_all, open_store, record

ROOT = Path(__file__).resolve().parents[2]


def test_migrations_are_numbered_in_increasing_order():
    from genlib.backends.postgres.migrations import MIGRATIONS

    numbers = [m[0] for m in MIGRATIONS]  # gaps: numbers reserved by branches not merged yet
    assert numbers[0] == 1 and numbers == sorted(set(numbers))


def write_with_the_columns_of_its_time(store, gen) -> None:
    """Insert as that version's code did: only the columns its schema has (today's insert names
    columns that later migrations add)."""
    from genlib.backends.postgres.pool import connection

    with connection(store.pool) as con:
        have = {row[0] for row in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s"
            " AND table_name = 'generations'", (store.schema,))}
        values = {c: v for c, v in zip(Generation.COLUMNS, gen.to_row()) if c in have}
        names = sql.SQL(", ").join(map(sql.Identifier, values))
        con.execute(sql.SQL("INSERT INTO generations ({}) VALUES ({})").format(
            names, sql.SQL(", ").join(sql.Placeholder() * len(values))), list(values.values()))


def test_a_database_of_an_older_version_opens_in_the_current_one(pg_schema):
    from genlib.backends.postgres.migrations import MIGRATIONS

    old = open_store(pg_schema, target_version=1)
    gen = record("written by version 1")
    write_with_the_columns_of_its_time(old, gen)
    assert old.schema_version() == 1
    old.close()
    new = open_store(pg_schema)
    try:
        assert new.schema_version() == MIGRATIONS[-1][0]
        assert new.get(gen.id).prompt == "written by version 1"
        assert new.migrate() == []  # nothing applied twice
    finally:
        new.close()


def test_replicas_starting_together_apply_each_migration_once(pg_schema, tmp_path):
    """Four processes open the same empty schema at the same moment: every step is applied by
    exactly one of them, and none fails (without the lock they collide on CREATE TABLE)."""
    from genlib.backends.postgres.migrations import MIGRATIONS

    go = tmp_path / "go"
    code = ("import sys, time\nfrom pathlib import Path\n"
            "from genlib.backends.postgres.pool import open_pool, connection\n"
            "from genlib.backends.postgres.migrations import migrate\n"
            "pool = open_pool(sys.argv[1], sys.argv[2])\n"
            "Path(sys.argv[4]).touch()\n"
            "go = Path(sys.argv[3])\n"
            "while not go.exists(): time.sleep(0.001)\n"
            "with connection(pool) as con: print(','.join(map(str, migrate(con, sys.argv[2]))))\n")
    ready = [tmp_path / f"ready-{n}" for n in range(4)]
    children = [subprocess.Popen([sys.executable, "-c", code, pg_schema.url, pg_schema.schema, str(go), str(r)],
                                 cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for r in ready]
    while not all(r.exists() for r in ready) and all(c.poll() is None for c in children):
        time.sleep(0.01)  # every child imported and connected: now they migrate at the same moment
    go.touch()
    outputs = [child.communicate(timeout=90) for child in children]
    assert [child.returncode for child in children] == [0] * 4, [err for _, err in outputs]
    applied = [int(n) for out, _ in outputs for n in out.split(",") if n.strip()]
    assert sorted(applied) == [m[0] for m in MIGRATIONS]
    store = open_store(pg_schema)
    try:
        with store.pool.connection() as con:
            versions = [r[0] for r in con.execute("SELECT version FROM genlib_migrations ORDER BY version")]
        assert versions == [m[0] for m in MIGRATIONS]
    finally:
        store.close()


@pytest.mark.parametrize("bad", ["Public", "x; DROP TABLE generations", "pg_catalog", "", "a" * 64, "a-b"])
def test_a_schema_name_that_is_not_a_plain_identifier_is_refused(bad):
    from genlib.backends.postgres import check_schema

    with pytest.raises(ValueError):
        check_schema(bad)


def test_the_schema_can_come_from_the_url(pg_schema):
    from genlib.backends.postgres import PostgresStore

    store = PostgresStore(f"{pg_schema.url}?schema={pg_schema.schema}")
    try:
        assert store.schema == pg_schema.schema
        with store.pool.connection() as con:
            found = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = %s "
                                "AND table_name = 'generations'", (pg_schema.schema,)).fetchone()[0]
        assert found == 1
    finally:
        store.close()


def test_an_unreachable_database_is_a_clear_storage_error():
    from genlib.backends.postgres import PostgresStore
    from genlib.errors import StorageUnavailable

    with pytest.raises(StorageUnavailable, match="can't be reached") as caught:
        PostgresStore("postgresql://nobody:secret@127.0.0.1:1/test", schema="t_never")
    assert "secret" not in str(caught.value)


def test_a_database_from_before_the_settings_documents_keeps_budgets_there_once_opened(pg_schema, tmp_path):
    """Version 4 had no settings_documents: the CLI's import (or a replica) migrates it, and the budgets
    file a replica was given is imported into it once, at its first start."""
    from genlib import Settings
    from genlib.backends.factory import open_documents
    from genlib.backends.postgres.migrations import MIGRATIONS
    from genlib.settingsedit import seed_from_files

    open_store(pg_schema, target_version=4).close()
    budgets = tmp_path / "budgets.toml"
    budgets.write_text("# ours\n[overall]\ndaily_usd = 5\n")
    settings = Settings(data_dir=tmp_path, database_url=f"{pg_schema.url}?schema={pg_schema.schema}",
                        budgets_file=budgets)
    docs = open_documents(settings)
    try:
        assert docs.current("budgets").text is None
        seed_from_files(docs, settings)
        seed_from_files(docs, settings)  # a second replica: already there, not imported again
        assert docs.read("budgets").text == "# ours\n[overall]\ndaily_usd = 5\n"
        assert docs.read("budgets").version == "1" and docs.read("budgets").updated_by == f"import of {budgets}"
    finally:
        docs.close()
    new = open_store(pg_schema)
    assert new.schema_version() == MIGRATIONS[-1][0]
    new.close()
