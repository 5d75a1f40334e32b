"""The Redis connection shared by the coordination roles (dedup, live channel, budget ledger).

`GENLIB_REDIS_URL` is a plain redis-py URL plus an optional `prefix` parameter (default
`genvault:`) under which every key lives, so one Redis can serve several deployments (and each
test its own space). Keys are built by `Space.key` from fixed role names and values genlib made
(hashes, generation ids, normalized user names), never from raw input. Timeouts are short: a
replica must find out within seconds that Redis is gone, and the roles then fail closed.
"""
from __future__ import annotations

import re
import secrets
import redis

from ..urls import describe, take_param

DEFAULT_PREFIX = "genvault:"
_PREFIX = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
TIMEOUT_S = 2.0
# What "Redis can't be reached or answered badly" raises; a script bug is a ResponseError and stays one.
UNREACHABLE = (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError, redis.ReadOnlyError)


class Space:
    """A Redis client and the key prefix of this deployment."""

    def __init__(self, url: str, prefix: str | None = None):
        conn_url, url_prefix = split_url(url)
        self.prefix = check_prefix(prefix if prefix is not None else url_prefix)
        self.client = redis.Redis.from_url(conn_url, socket_timeout=TIMEOUT_S,
                                           socket_connect_timeout=TIMEOUT_S, health_check_interval=30)
        self.where = describe(conn_url, 6379)

    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def now_ms(self) -> int:
        """The Redis server's clock: every replica measures windows and leases on the same one."""
        seconds, micros = self.client.time()
        return seconds * 1000 + micros // 1000

    def probe(self) -> None:
        """A real write for `genlib doctor`: a short-lived key set, read back and deleted."""
        key, token = self.key("probe", secrets.token_hex(8)), secrets.token_hex(8)
        self.client.set(key, token, px=10_000)
        try:
            if self.client.get(key) != token.encode():
                raise RuntimeError(f"Redis at {self.where} read back a different value than it wrote")
        finally:
            self.client.delete(key)

    def close(self) -> None:
        self.client.close()


def check_prefix(prefix: str) -> str:
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
        raise ValueError(f"invalid Redis key prefix {prefix!r}: letters, digits and _ . : - only")
    return prefix


def split_url(url: str) -> tuple[str, str]:
    """(redis-py URL without our `prefix` parameter, the prefix)."""
    return take_param(url, "prefix", DEFAULT_PREFIX)
