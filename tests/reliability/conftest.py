"""Fixtures for the reliability suite: app servers this test owns, a recording provider, Chromium.

Soak tests (`@pytest.mark.soak`) are skipped unless pytest runs with `--run-soak` (see
tests/conftest.py); `make soak` passes it.
"""
from __future__ import annotations

import pytest

from tests.reliability.appserver import AppServer
from tests.reliability.recording import RecordingFake


@pytest.fixture
def recording_fake():
    """A started RecordingFake (timestamped ledger of what it streamed)."""
    with RecordingFake() as fake:
        yield fake


@pytest.fixture
def app_server(tmp_path):
    """app_server(env=..., data_dir=..., **kw) -> a started AppServer; all are stopped afterwards."""
    made = []

    def start(env: dict | None = None, data_dir=None, **kwargs) -> AppServer:
        server = AppServer(data_dir or tmp_path / "data", tmp_path / f"streamlit-{len(made)}.log", env, **kwargs)
        made.append(server)
        return server.start()

    yield start
    for server in made:
        server.stop()


@pytest.fixture
def browser_page(chromium_browser):
    """new page factory: each in a fresh context; `page.dialogs` records every alert it raised."""
    contexts = []

    def make():
        context = chromium_browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id="UTC",
                                       accept_downloads=True)
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        return page

    yield make
    for context in contexts:
        context.close()
