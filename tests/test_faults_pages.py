"""AppTest: with the database cut (a TCP proxy; the shared server keeps running), Generate, History
and Costs show a clear notice and no traceback; once it is back the notice goes."""
from __future__ import annotations

import pytest

from tests.faults import proxied, until

PAGES = ("pages/generate.py", "pages/history.py", "pages/costs.py")


@pytest.fixture
def cut_db(pg_schema, monkeypatch, app_env):
    url, proxy = proxied(f"{pg_schema.url}{'&' if '?' in pg_schema.url else '?'}schema={pg_schema.schema}", 5432)
    monkeypatch.setenv("GENLIB_DATABASE_URL", url)
    yield proxy
    proxy.restore()
    proxy.stop()


def _notices(at) -> str:
    return " ".join(str(w.value) for w in (*at.warning, *at.error))


def test_pages_show_a_notice_not_a_traceback_while_the_database_is_down(cut_db, open_app, app_vault):
    assert app_vault.storage_problem() is None
    cut_db.cut()
    with pytest.raises(Exception):
        app_vault.store.count(__import__("genlib").Filters())  # the breaker learns of it (≤ the pool timeout)
    for page in PAGES:
        at = open_app(page)
        assert not at.exception, page
        assert "Storage is unavailable" in _notices(at) and "database" in _notices(at), page
        assert "Traceback" not in _notices(at)
    cut_db.restore()
    assert until(lambda: _back(app_vault), timeout=30, every=0.5)
    at = open_app("pages/history.py")
    assert not at.exception and "Storage is unavailable" not in _notices(at)


def _back(vault) -> bool:
    from genlib import Filters, StorageUnavailable

    try:
        vault.store.count(Filters())
    except StorageUnavailable:
        return False
    return vault.storage_problem() is None
