"""The embedded dedup cache (`DedupCache` in backends/base.py): which generation answers an identical
request. `DiskDedupCache` keeps finished answers in diskcache under the data dir (with their TTL) and
claims for requests in flight in memory; `claim` is an atomic set-if-absent, a single-flight lock for
identical requests in flight. The keys come from genlib/dedup.py.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path

import diskcache


class DiskDedupCache:
    """Finished answers in diskcache (they expire after the TTL), mirrored in memory.

    One process owns the data dir (DuckDB allows no other), so an in-memory view is exact: a claim
    costs microseconds and touches no file (diskcache opens a SQLite connection per thread, which
    costs milliseconds on every new thread). Requests in flight are claimed in memory only, so a crash
    can never leave the disk pointing at a generation that did not finish; a claim lapses after its
    TTL (a generation still running then no longer answers identical requests). A Redis
    implementation would claim with SET NX PX instead.
    """

    def __init__(self, directory: Path):
        self._cache = diskcache.Cache(str(directory))
        self._inflight: dict[str, tuple[str, float]] = {}  # key -> (id, expiry on time.monotonic())
        self._finished: dict[str, tuple[str, float]] = {}  # key -> (id, expiry on time.time())
        self._lock = threading.Lock()
        for key in self._cache.iterkeys():
            gen_id, expire = self._cache.get(key, expire_time=True)
            if gen_id is not None:
                self._finished[key] = (gen_id, expire or float("inf"))

    def claim(self, key: str, gen_id: str, ttl_s: float) -> str | None:
        """Take the key for gen_id; return None if taken, else the id that already holds it."""
        with self._lock:
            holder = self._inflight_id(key) or self._finished_id(key)
            if holder is not None:
                return holder
            self._inflight[key] = (gen_id, time.monotonic() + ttl_s)
            return None

    def hold(self, key: str, gen_id: str, ttl_s: float) -> None:
        """Make gen_id the one identical requests follow (forced or replacing a stale entry)."""
        with self._lock:
            self._inflight[key] = (gen_id, time.monotonic() + ttl_s)

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._inflight_id(key) or self._finished_id(key)

    def put(self, key: str, gen_id: str, ttl_s: float) -> None:
        """gen_id finished: it answers identical requests for the next ttl_s seconds."""
        self._cache.set(key, gen_id, expire=ttl_s)
        with self._lock:
            self._finished[key] = (gen_id, time.time() + ttl_s)
            if self._inflight_id(key) == gen_id:
                del self._inflight[key]

    def release(self, key: str, gen_id: str) -> None:
        """Forget the key, but only if it still points at gen_id (never drop someone else's)."""
        with self._lock:
            if self._inflight_id(key) == gen_id:
                del self._inflight[key]
            if self._finished.get(key, (None,))[0] == gen_id:
                del self._finished[key]
                self._cache.delete(key)

    def forget(self, gen_ids: set[str]) -> int:
        """Drop every key pointing at one of gen_ids (used for generations that never finished)."""
        with self._lock:
            for key in [k for k, (gen_id, _) in self._inflight.items() if gen_id in gen_ids]:
                del self._inflight[key]
            keys = [k for k, (gen_id, _) in self._finished.items() if gen_id in gen_ids]
            for key in keys:
                del self._finished[key]
                self._cache.delete(key)
            return len(keys)

    def close(self) -> None:
        self._cache.close()

    def _inflight_id(self, key: str) -> str | None:
        entry = self._inflight.get(key)
        if entry is None or entry[1] <= time.monotonic():
            return None
        return entry[0]

    def _finished_id(self, key: str) -> str | None:
        entry = self._finished.get(key)
        if entry is None or entry[1] <= time.time():
            return None
        return entry[0]
