"""Budgets and prices in the database: the same TOML text, a revision replicas poll, and edits that
never silently overwrite each other."""
from __future__ import annotations

import pytest

from tests.backends.pgrecords import open_store

BUDGETS = "# team budgets\n[overall]\ndaily_usd = 50\n"


@pytest.fixture
def two_replicas(pg_schema):
    from genlib.backends.postgres.documents import SettingsDocuments

    stores = [open_store(pg_schema, replica_id=f"replica-{n}") for n in range(2)]
    yield [SettingsDocuments(s.pool) for s in stores]
    for store in stores:
        store.close()


def test_an_edit_on_one_replica_is_seen_by_the_other_with_its_comments(two_replicas):
    a, b = two_replicas
    assert b.read("budgets") is None and b.revision("budgets") == 0
    assert a.write("budgets", BUDGETS, 0, by="admin@example.com") == 1
    assert b.revision("budgets") == 1 and b.read("budgets") == (BUDGETS, 1)
    assert b.write("budgets", BUDGETS + "monthly_usd = 900\n", 1) == 2
    assert a.read("budgets") == (BUDGETS + "monthly_usd = 900\n", 2)
    assert a.read("prices") is None  # a document of its own


def test_two_admins_editing_the_same_revision_cannot_overwrite_each_other(two_replicas):
    from genlib.backends.postgres.documents import EditConflict

    a, b = two_replicas
    a.write("prices", "[models.x]\n", 0)
    with pytest.raises(EditConflict):
        b.write("prices", "[models.y]\n", 0)  # both thought it was new
    a.write("prices", "[models.a]\n", 1)
    with pytest.raises(EditConflict, match="changed by someone else"):
        b.write("prices", "[models.b]\n", 1)
    assert b.read("prices") == ("[models.a]\n", 2)


def test_only_the_budgets_and_prices_documents_exist(two_replicas):
    with pytest.raises(ValueError):
        two_replicas[0].read("users; DROP TABLE generations")
