"""Shared fixtures: every test gets its own data dir and no real OpenAI credentials."""
from __future__ import annotations

import pytest

from tests.fakeprovider import FakeProvider

pytest_plugins = ["tests.services"]  # PostgreSQL / Redis / S3 fixtures (team-deployment backends)


def pytest_addoption(parser):
    parser.addoption("--run-soak", action="store_true", default=False,
                     help="run the long reliability tests marked soak (make soak)")


def pytest_collection_modifyitems(config, items):
    """Soak tests (long crash/load runs) only run with --run-soak; `make test` skips them."""
    if config.getoption("--run-soak"):
        return
    skip = pytest.mark.skip(reason="soak test: run with --run-soak (make soak)")
    for item in items:
        if "soak" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def chromium_browser():
    """Debian's Chromium through Playwright, one per session for every folder that needs it (two
    sync Playwright instances can't run at once); skips when Playwright or chromium is missing."""
    import shutil

    sync_api = pytest.importorskip("playwright.sync_api")
    if shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (make chromium)")
    from tests.browser.conftest import CHROMIUM_ARGS

    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """A per-test GENLIB_DATA_DIR; OPENAI_* removed so nothing can reach a real provider."""
    monkeypatch.setenv("GENLIB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


@pytest.fixture
def fake_provider():
    """A started loopback FakeProvider; hook errors raised in a test's on_request fail the test."""
    server = FakeProvider().start()
    yield server
    server.stop()
    server.raise_hook_errors()


@pytest.fixture
def fake(fake_provider):
    """Short name for the loopback provider in genlib tests."""
    return fake_provider


@pytest.fixture
def vault(tmp_path, fake):
    """A Vault on its own data dir, talking to `fake` through the real openai SDK."""
    from tests.vaults import make_vault
    v = make_vault(tmp_path / "data", fake)
    yield v
    v.close()


# --- Streamlit app (AppTest) fixtures: used by tests/test_app_*.py only ---------------------
APP_FILE = __import__("pathlib").Path(__file__).resolve().parent.parent / "app.py"


@pytest.fixture
def app_env(monkeypatch):
    """A fast offline model, single-user env, and a fresh process-wide Vault (closed afterwards).

    `st.cache_resource` is shared by every AppTest in the process; clearing it runs the Vault's
    `on_release`, which closes it (DuckDB allows one open per file per process).
    """
    import streamlit as st

    monkeypatch.setenv("GENLIB_OFFLINE_TPS", "20000")
    for name in ("GENLIB_USER", "GENLIB_ADMINS", "GENLIB_MODELS", "GENLIB_PRICES_FILE"):
        monkeypatch.delenv(name, raising=False)
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture
def app_vault(app_env):
    """The same Vault the app uses (ui.vault.get_vault), for seeding and checking records."""
    from ui.vault import get_vault

    return get_vault()


TEST_ISSUER = "https://idp.test"


def user_claims(email: str, issuer: str = TEST_ISSUER) -> dict:
    """What Streamlit's st.user holds after a real sign-in: the ID token's claims (iss, sub, ...)."""
    return {"iss": issuer, "sub": "sub-" + email, "email": email, "email_verified": True}


@pytest.fixture
def open_app(app_env):
    """open_app(script=None, login=None, **query) -> a run AppTest at that page and URL.

    `script` is a page script such as "pages/history.py" (None: `/`, which forwards to
    /generate); `login` switches auth on (an `[auth]` secret) with that email signed in
    ("" for nobody signed in); `claims` adds to or replaces the ID token claims of `user_claims`.
    """
    from streamlit.testing.v1 import AppTest

    def _open(script: str | None = None, login: str | None = None, claims: dict | None = None, **query):
        at = AppTest.from_file(str(APP_FILE), default_timeout=30)
        if login is not None:
            at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback",
                                  "cookie_secret": "test", "client_id": "x", "client_secret": "y",
                                  "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
            at.user = {"is_logged_in": bool(login), **(user_claims(login) if login else {}), **(claims or {})}
        if script is not None:
            at.run()  # the first run registers the st.navigation pages
            at.switch_page(script)
        at.query_params.update({k: str(v) for k, v in query.items()})
        return at.run()

    return _open
