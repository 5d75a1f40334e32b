"""Budgets and prices in PostgreSQL (beyond the SettingsStore contract): who saved them and when,
versions no other store makes, the poll that carries an edit to every replica, and an unreachable
database leaving the last documents in force."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

from genlib import EditConflict
from tests.backends.pgrecords import open_store

BUDGETS = "# team budgets\n[overall]\ndaily_usd = 50\n"


@pytest.fixture
def two_replicas(pg_schema):
    from genlib.backends.postgres.documents import PostgresSettings

    stores = [open_store(pg_schema, replica_id=f"replica-{n}") for n in range(2)]
    docs = [PostgresSettings(s.pool, poll_s=0.05) for s in stores]
    yield docs
    for doc, store in zip(docs, stores):
        doc.close()
        store.close()


def test_who_saved_it_and_when_are_kept(two_replicas):
    a, b = two_replicas
    saved = a.write("budgets", BUDGETS, "", by="admin@example.com")
    assert saved.version == "1" and saved.updated_by == "admin@example.com" and saved.updated_at is not None
    assert "in the database" in saved.where and saved.path is None
    with pytest.raises(EditConflict, match=r"changed by admin@example\.com at 20\d\d-"):
        b.write("budgets", "[overall]\n", "")
    with pytest.raises(EditConflict):
        b.write("budgets", "[overall]\n", "9f86d081884c7d65")  # a file's digest is never a revision


def test_the_poll_carries_an_edit_and_reads_the_text_only_when_it_moved(two_replicas):
    a, b = two_replicas
    before = b.current("budgets")
    a.write("budgets", BUDGETS, "")
    deadline = time.monotonic() + 5
    while b.current("budgets").version != "1":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    seen = b.current("budgets")
    assert seen.text == BUDGETS and seen is not before
    time.sleep(0.2)  # several polls, nothing moved: the very same document
    assert b.current("budgets") is seen


def test_an_unreachable_database_keeps_the_last_documents(pg_schema):
    from genlib.backends.postgres.documents import PostgresSettings
    from genlib.backends.postgres.pool import open_pool
    from tests.tcpproxy import TcpProxy

    server = urlsplit(pg_schema.url)
    proxy = TcpProxy(server.hostname, server.port or 5432)
    url = pg_schema.url.replace(server.netloc, f"127.0.0.1:{proxy.port}")
    owner = open_store(pg_schema)
    owner.close()  # the schema exists
    docs = PostgresSettings(open_pool(url, pg_schema.schema, timeout_s=1.0), poll_s=0.05, owns_pool=True)
    try:
        docs.write("budgets", BUDGETS, "")
        proxy.stop()
        time.sleep(0.5)  # polls fail meanwhile
        assert docs.current("budgets").text == BUDGETS
    finally:
        docs.close()


def test_it_implements_every_method_of_the_settings_store_role():
    import inspect

    from genlib.backends.base import SettingsStore
    from genlib.backends.postgres.documents import PostgresSettings
    from tests.test_layout import protocol_methods

    for name in protocol_methods(SettingsStore):
        wanted = list(inspect.signature(getattr(SettingsStore, name)).parameters)
        assert list(inspect.signature(getattr(PostgresSettings, name)).parameters)[:len(wanted)] == wanted
