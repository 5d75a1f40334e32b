"""Browser fixtures: one `streamlit run app.py` against an in-process FakeProvider, and Chromium.

The app runs as a real subprocess (its own GENLIB_DATA_DIR, OPENAI_BASE_URL pointing at the fake),
so the tests exercise the server, websocket and page scripts a user gets. The FakeProvider lives in
the test process: tests script it with `enqueue(...)` and count calls with `calls("chat")`.
The test modules skip themselves when Playwright or Debian's chromium is missing; this file imports
Playwright only inside the fixtures, so collection never fails for that reason.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.fakeprovider import FakeProvider
from tests.apphealth import stop, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
VIEWPORT = {"width": 1280, "height": 900}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def fake():
    """The provider the app talks to, in this process (enqueue behaviours, count calls)."""
    server = FakeProvider().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fake_queue_drained(request):
    """Each browser test starts with nothing scripted and must use up what it enqueued."""
    if "fake" not in request.fixturenames:
        yield
        return
    fake = request.getfixturevalue("fake")
    with fake._lock:
        fake._queue.clear()
    yield
    with fake._lock:
        left = len(fake._queue)
        fake._queue.clear()
    assert left == 0, f"{left} scripted provider behaviour(s) were never used"


@pytest.fixture(scope="session")
def app(fake):
    """`streamlit run app.py` on a free port, with its own data dir, talking to the fake provider."""
    from tests.browser.helpers import App

    tmp = Path(tempfile.mkdtemp(prefix="genvault-browser-"))
    data_dir, log = tmp / "data", tmp / "streamlit.log"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENLIB_", "OPENAI_", "STREAMLIT_"))}
    env.update(GENLIB_DATA_DIR=str(data_dir), OPENAI_BASE_URL=fake.base_url, OPENAI_API_KEY="test-key",
               GENLIB_FLUSH_MS="100", PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
           "--server.headless", "true", "--server.address", "127.0.0.1",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, lambda: log.read_text(errors="replace"))
        yield App(url, data_dir, log)
    finally:
        stop(proc)
        if os.environ.get("GENVAULT_KEEP_BROWSER_LOGS"):
            print(f"\nstreamlit log kept at {log}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def browser(chromium_browser):
    """Chromium for this folder: the session's one Playwright instance (tests/conftest.py)."""
    return chromium_browser


@pytest.fixture
def new_context(browser):
    """new_context() -> a fresh browser context (no cookies, no storage: a "fresh browser")."""
    from tests.browser.helpers import TIMEOUT_MS

    made = []

    def make():
        context = browser.new_context(viewport=dict(VIEWPORT), color_scheme="light", timezone_id="UTC",
                                      accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def page(new_context):
    """A page in its own fresh context; `page.dialogs` lists every alert/confirm it raised."""
    page = new_context().new_page()
    page.dialogs = []

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return page
