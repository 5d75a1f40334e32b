"""The contract suite's `backend` fixture: every test in tests/contract/ runs once per backend set.

A set is the five storage roles (genlib/backends/base.py) built for one temp dir. Today there is the
embedded set; a new implementation (PostgreSQL, Redis, S3, ...) adds an entry to BACKENDS (skipped
when its server is not available) and must pass the same tests.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from genlib import Settings
from genlib.backends.factory import Backends, open_backends


class BackendSet:
    """The roles under test, and `reopen()`: close and open them again on the same storage, as a
    restarted (or another) process would."""

    def __init__(self, open_parts, root: Path):
        self._open, self.root = open_parts, root
        self.parts: Backends = open_parts(root)

    def __getattr__(self, name):
        return getattr(self.parts, name)

    def reopen(self) -> "BackendSet":
        self.close()
        self.parts = self._open(self.root)
        return self

    def close(self) -> None:
        self.parts.cache.close()
        self.parts.store.close()


def _embedded(root: Path) -> Backends:
    return open_backends(Settings(data_dir=root))


BACKENDS = {"embedded": _embedded}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request, tmp_path):
    parts = BackendSet(BACKENDS[request.param], tmp_path / "data")
    yield parts
    parts.close()
