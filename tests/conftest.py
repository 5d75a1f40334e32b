"""Shared fixtures: every test gets its own data dir and no real OpenAI credentials."""
from __future__ import annotations

import pytest

from tests.fakeprovider import FakeProvider


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
