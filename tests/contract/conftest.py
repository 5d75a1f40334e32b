"""The contract suite's `backend` fixture: every test in tests/contract/ runs once per backend set.

A set is the five storage roles (genlib/backends/base.py) built for one temp dir. The embedded set,
and the team set (PostgreSQL, Redis, S3 on moto) built by `open_backends` from the URLs, skipped with
one line when a server is not available (a failure under CI).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from genlib import Settings
from genlib.backends.factory import Backends, open_backends
from tests.services import team_urls


class BackendSet:
    """The roles under test, and `reopen()`: close and open them again on the same storage, as a
    restarted (or another) process would."""

    def __init__(self, open_parts, root: Path):
        self._open, self.root = open_parts, root
        self.parts: Backends = open_parts(root)
        self.settings: Settings = open_parts.settings(root)  # what another process would be given

    def __getattr__(self, name):
        return getattr(self.parts, name)

    def reopen(self) -> "BackendSet":
        self.close()
        self.parts = self._open(self.root)
        return self

    def close(self) -> None:
        self.parts.close()


def _opener(settings: Callable[[Path], Settings]) -> Callable[[Path], Backends]:
    def open_parts(root: Path) -> Backends:
        return open_backends(settings(root))
    open_parts.settings = settings
    return open_parts


def _embedded(request) -> Callable[[Path], Backends]:
    return _opener(lambda root: Settings(data_dir=root))


def _team(request) -> Callable[[Path], Backends]:
    """PostgreSQL + S3 (moto) + Redis, built by open_backends from the URLs a replica is given."""
    urls = team_urls(*(request.getfixturevalue(n) for n in ("pg_schema", "redis_space", "s3_bucket")))
    return _opener(lambda root: Settings(data_dir=root, **urls))


BACKENDS = {"embedded": _embedded, "team": _team}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request, tmp_path):
    parts = BackendSet(BACKENDS[request.param](request), tmp_path / "data")
    yield parts
    parts.close()
