"""The real-model suite: llama.cpp's OpenAI-compatible server (llama-cpp-python) with Gemma 3 270M.

One server per session on a free loopback port (scripts/localmodel.py: `--chat_format gemma
--model_alias gemma-3-270m`, 2 threads, a small context). With `CI` set, a server that can't start
fails the run; elsewhere (a laptop without requirements-local.txt) the suite skips with the reason.
Every test here is marked `realmodel`.
"""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from scripts.localmodel import LocalServer, missing
from tests.reliability.conftest import app_server, browser_page  # noqa: F401 - fixtures used here too
from tests.vaults import make_vault

CHAT_POSTS = re.compile(r'"POST /v1/chat/completions HTTP/1\.1" 200')
# llama.cpp prints its timings, with the tokens generated ("N runs"), when a completion ends
COMPLETED = re.compile(r"llama_perf_context_print:\s+eval time =.*/\s+(\d+) runs")
# real generations on a 2-core machine shared with the rest of the suite: minutes, not seconds
REALMODEL_TIMEOUT_S = 600


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.realmodel)
            item.add_marker(pytest.mark.timeout(REALMODEL_TIMEOUT_S))


class RealServer(LocalServer):
    """The session's server plus what tests observe of it: requests served, CPU time, its log."""

    def chat_requests(self) -> int:
        """Chat completions the server answered (uvicorn's access log): counts provider calls."""
        return len(CHAT_POSTS.findall(self.log_text()))

    def completions(self) -> int:
        """Completions that ran to their end (llama.cpp's timings line)."""
        return len(COMPLETED.findall(self.log_text()))

    def disconnects(self) -> int:
        return self.log_text().count("Disconnected from client (via refresh/close)")

    def wait_idle(self, timeout: float = 30.0, window: float = 0.5, busy_cpu_s: float = 0.05) -> bool:
        """True once the server used under `busy_cpu_s` of CPU over `window` seconds (not generating)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = self.cpu_seconds()
            time.sleep(window)  # a measuring window, not a wait for an outcome
            if self.cpu_seconds() - before < busy_cpu_s:
                return True
        return False


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory):
    reason = missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"the real-model suite must run in CI: {reason}")
        pytest.skip(f"llama.cpp server unavailable: {reason}")
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    server = RealServer(log, threads=2, n_ctx=1024)
    try:
        server.start(timeout=180)
    except Exception as exc:  # noqa: BLE001 - reported as the fixture's failure, with the log's tail
        pytest.fail(f"llama.cpp server did not start: {exc}")
    yield server
    server.stop()


@pytest.fixture
def local_vault(tmp_path, llama_server):
    """make_vault(**overrides) -> a Vault talking to the real server (closed afterwards)."""
    made = []

    def make(**overrides):
        vault = make_vault(tmp_path / "data", llama_server, **{"request_timeout_s": 120.0, **overrides})
        made.append(vault)
        return vault

    yield make
    for vault in made:
        vault.close()
