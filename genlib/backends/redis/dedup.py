"""The dedup cache on Redis: single-flight across replicas, finished answers with a real TTL.

A key (dedup.key's sha256) maps to the generation that answers it: first the one running
(claimed with one `SET NX PX GET`, so of identical requests started together on any replicas
exactly one wins and the others learn its id), then the finished one (`put`, with the cache TTL).
A claim expires by itself, so a replica that dies mid-stream can't hold a key forever; `forget`
drops a dead generation's keys at once through a reverse entry id -> key. Every delete is a
compare-and-delete script: a replica never drops a key another generation holds.

Redis unreachable: the cache degrades instead of failing starts (dedup saves money, it guards
nothing): a claim is granted (the request pays for its own call), a lookup finds nothing, and
writes are skipped; each failure is logged (at most once a minute).
"""
from __future__ import annotations

import functools
import logging

from ...faillog import RepeatedFailureLog
from .client import UNREACHABLE, Space

log = logging.getLogger(__name__)
_FAILURES = RepeatedFailureLog(log, "The dedup cache (Redis; requests are not deduplicated meanwhile)")

# Delete KEYS[1] only if it still holds ARGV[1]; returns 1 if deleted.
_DELETE_IF = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


def _degrades(default):
    """On a lost Redis, log and return `default` (see the module docstring)."""
    def wrap(method):
        @functools.wraps(method)
        def run(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE as exc:
                _FAILURES.failed(exc)
                return default
        return run
    return wrap


class RedisDedupCache:
    def __init__(self, space: Space, default_ttl_s: float = 3600.0):
        self.space, self.default_ttl_s = space, default_ttl_s
        self._delete_if = space.client.register_script(_DELETE_IF)

    @_degrades(None)
    def claim(self, key: str, gen_id: str, ttl_s: float) -> str | None:
        """Take the key for gen_id for at most ttl_s; None if taken now, else the holder's id."""
        holder = self.space.client.set(self._k(key), gen_id, nx=True, px=_ms(ttl_s), get=True)
        if holder is None:
            self._remember(key, gen_id, ttl_s)
            return None
        return holder.decode()

    @_degrades(None)
    def hold(self, key: str, gen_id: str, ttl_s: float | None = None) -> None:
        """Make gen_id the holder (a forced request, or one replacing a stale holder) for ttl_s."""
        ttl_s = self.default_ttl_s if ttl_s is None else ttl_s
        self.space.client.set(self._k(key), gen_id, px=_ms(ttl_s))
        self._remember(key, gen_id, ttl_s)

    @_degrades(None)
    def get(self, key: str) -> str | None:
        value = self.space.client.get(self._k(key))
        return value.decode() if value is not None else None

    @_degrades(None)
    def put(self, key: str, gen_id: str, ttl_s: float) -> None:
        """gen_id finished: it answers identical requests for the next ttl_s seconds."""
        self.space.client.set(self._k(key), gen_id, px=_ms(ttl_s))
        self._remember(key, gen_id, ttl_s)

    @_degrades(None)
    def release(self, key: str, gen_id: str) -> None:
        """Drop the key, only if gen_id still holds it."""
        self._delete_if(keys=[self._k(key)], args=[gen_id])

    @_degrades(0)
    def forget(self, gen_ids: set[str]) -> int:
        """Drop every key held by one of gen_ids (generations that never finished); how many."""
        ids = sorted(gen_ids)
        if not ids:
            return 0
        keys = self.space.client.mget([self.space.key("dedup-of", i) for i in ids])
        dropped = 0
        for gen_id, key in zip(ids, keys):
            if key is not None:
                dropped += self._delete_if(keys=[self._k(key.decode())], args=[gen_id])
        self.space.client.delete(*[self.space.key("dedup-of", i) for i in ids])
        return dropped

    def close(self) -> None:
        pass  # the Space is shared by the roles; its owner closes it

    def _remember(self, key: str, gen_id: str, ttl_s: float) -> None:
        self.space.client.set(self.space.key("dedup-of", gen_id), key, px=_ms(ttl_s))

    def _k(self, key: str) -> str:
        # A digest made by genlib (dedup.py); Redis keys are binary-safe and under our own prefix and
        # role name, so any text would do: only absurd values are refused.
        if not isinstance(key, str) or not key or len(key) > 256:
            raise ValueError("not a dedup key")
        return self.space.key("dedup", key)


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))
