"""The dedup cache: which finished generation answers an identical request.

`dedup_key` hashes every input that changes the output as canonical JSON, so key order never
matters; with a scope (the user id, by default) identical requests of different users never meet,
so nobody can learn what someone else asked by getting a hit. `DiskDedupCache` (diskcache under
the data dir) is the embedded default; its `claim` is an atomic set-if-absent, a single-flight
lock for identical requests in flight.
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path
from typing import Protocol

import diskcache

from ...records import GenerationRequest

KEY_VERSION = 1  # bump when the key recipe changes, so old entries stop matching
# `cached_from` of a hit answered from another user's generation in a team-shared cache: it marks a
# cache hit (costs count it) without naming their record (not an id: nothing can look it up).
SHARED_HIT = "shared-cache"


def dedup_key(request: GenerationRequest, provider_host: str, scope: str | None = None) -> str:
    """sha256 of the canonical JSON of everything that changes the output, within `scope` (a user
    id; None for a cache shared by every user)."""
    material = {
        "v": KEY_VERSION,
        "provider": provider_host,
        "kind": request.kind,
        "model": request.model,
        "messages": request.messages(),
        "params": {k: v for k, v in request.params.items() if v is not None},
    }
    if scope is not None:
        material["scope"] = scope
    canonical = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


class DedupCache(Protocol):
    def claim(self, key: str, gen_id: str, ttl_s: float) -> str | None: ...
    def hold(self, key: str, gen_id: str) -> None: ...
    def get(self, key: str) -> str | None: ...
    def put(self, key: str, gen_id: str, ttl_s: float) -> None: ...
    def release(self, key: str, gen_id: str) -> None: ...
    def close(self) -> None: ...


class DiskDedupCache:
    """Finished answers in diskcache (they expire after the TTL), mirrored in memory.

    One process owns the data dir (DuckDB allows no other), so an in-memory view is exact: a claim
    costs microseconds and touches no file (diskcache opens a SQLite connection per thread, which
    costs milliseconds on every new thread). Requests in flight are claimed in memory only, so a crash
    can never leave the disk pointing at a generation that did not finish. A Redis implementation
    would claim with SET NX instead.
    """

    def __init__(self, directory: Path):
        self._cache = diskcache.Cache(str(directory))
        self._inflight: dict[str, str] = {}
        self._finished: dict[str, tuple[str, float]] = {}  # key -> (id, expiry on time.time())
        self._lock = threading.Lock()
        for key in self._cache.iterkeys():
            gen_id, expire = self._cache.get(key, expire_time=True)
            if gen_id is not None:
                self._finished[key] = (gen_id, expire or float("inf"))

    def claim(self, key: str, gen_id: str, ttl_s: float) -> str | None:
        """Take the key for gen_id; return None if taken, else the id that already holds it."""
        with self._lock:
            holder = self._inflight.get(key) or self._finished_id(key)
            if holder is not None:
                return holder
            self._inflight[key] = gen_id
            return None

    def hold(self, key: str, gen_id: str) -> None:
        """Make gen_id the one identical requests follow (forced or replacing a stale entry)."""
        with self._lock:
            self._inflight[key] = gen_id

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._inflight.get(key) or self._finished_id(key)

    def put(self, key: str, gen_id: str, ttl_s: float) -> None:
        """gen_id finished: it answers identical requests for the next ttl_s seconds."""
        self._cache.set(key, gen_id, expire=ttl_s)
        with self._lock:
            self._finished[key] = (gen_id, time.time() + ttl_s)
            if self._inflight.get(key) == gen_id:
                del self._inflight[key]

    def release(self, key: str, gen_id: str) -> None:
        """Forget the key, but only if it still points at gen_id (never drop someone else's)."""
        with self._lock:
            if self._inflight.get(key) == gen_id:
                del self._inflight[key]
            if self._finished.get(key, (None,))[0] == gen_id:
                del self._finished[key]
                self._cache.delete(key)

    def forget_ids(self, gen_ids: set[str]) -> int:
        """Drop every key pointing at one of gen_ids (used for generations that never finished)."""
        with self._lock:
            keys = [k for k, (gen_id, _) in self._finished.items() if gen_id in gen_ids]
            for key in keys:
                del self._finished[key]
                self._cache.delete(key)
            return len(keys)

    def close(self) -> None:
        self._cache.close()

    def _finished_id(self, key: str) -> str | None:
        entry = self._finished.get(key)
        if entry is None or entry[1] <= time.time():
            return None
        return entry[0]
