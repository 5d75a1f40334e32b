"""A circuit breaker in front of the PostgreSQL pool: while the database is down every call fails at
once with `StorageUnavailable` (not after the pool's 10 s timeout), except one probe every
`probe_every_s`. When a probe connects, the pool's idle connections are checked and the dead ones
(to the old server) replaced before the breaker closes, so none is handed out again.
"""
from __future__ import annotations

import logging
import threading
import time

import psycopg

from ...errors import StorageUnavailable, first_line

log = logging.getLogger(__name__)
PROBE_EVERY_S = 2.0
PROBE_TIMEOUT_S = 2


class Circuit:
    def __init__(self, conninfo: str, connect_kwargs: dict, probe_every_s: float = PROBE_EVERY_S):
        self._conninfo, self._kwargs = conninfo, {**connect_kwargs, "connect_timeout": PROBE_TIMEOUT_S}
        self.probe_every_s = probe_every_s
        self._lock = threading.Lock()
        self._reason: str | None = None  # None: closed (the database answered last time)
        self._next_probe = 0.0

    @property
    def problem(self) -> str | None:
        """A readable sentence while the breaker is open, else None."""
        return self._reason

    def before(self, pool) -> None:
        """Raise StorageUnavailable at once while open; the one caller due to probe tries the
        database (outside the lock: the others keep failing fast meanwhile)."""
        if self._reason is None:
            return
        with self._lock:
            if self._reason is None:
                return
            if time.monotonic() < self._next_probe:
                raise StorageUnavailable(self._reason)
            self._next_probe = time.monotonic() + self.probe_every_s
        try:
            psycopg.connect(self._conninfo, **self._kwargs).close()
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            self.failed(exc)
            raise StorageUnavailable(self._reason or _sentence(exc)) from exc
        pool.check()  # a fresh set of connections: the ones from before the outage are dead
        with self._lock:
            if self._reason is not None:
                log.warning("the database is reachable again")
            self._reason = None

    def failed(self, exc: BaseException) -> None:
        """A connection error: open (or keep open) the breaker."""
        with self._lock:
            if self._reason is None:
                log.error("the database can't be reached; starts are refused until it is back (%s)",
                          first_line(exc))
                self._next_probe = time.monotonic() + self.probe_every_s
            self._reason = _sentence(exc)


def _sentence(exc: BaseException) -> str:
    return (f"The database can't be reached ({first_line(exc)}); nothing new can be saved. "
            "Try again when it is back.")
