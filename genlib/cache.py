"""The dedup cache: which finished generation answers an identical request.

`dedup_key` hashes every input that changes the output as canonical JSON, so key order never
matters. `DiskDedupCache` (diskcache under the data dir) is the embedded default; its `claim`
is an atomic set-if-absent, which makes it a single-flight lock for identical requests in flight.
A Redis implementation only needs the same five methods.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Protocol

import diskcache

from .records import GenerationRequest

KEY_VERSION = 1  # bump when the key recipe changes, so old entries stop matching


def dedup_key(request: GenerationRequest, provider_host: str) -> str:
    """sha256 of the canonical JSON of everything that changes the output."""
    material = {
        "v": KEY_VERSION,
        "provider": provider_host,
        "kind": request.kind,
        "model": request.model,
        "messages": request.messages(),
        "params": {k: v for k, v in request.params.items() if v is not None},
    }
    canonical = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


class DedupCache(Protocol):
    def claim(self, key: str, gen_id: str, ttl_s: float) -> str | None: ...
    def get(self, key: str) -> str | None: ...
    def put(self, key: str, gen_id: str, ttl_s: float) -> None: ...
    def release(self, key: str, gen_id: str) -> None: ...
    def close(self) -> None: ...


class DiskDedupCache:
    """diskcache-backed: thread- and process-safe, entries expire after their TTL."""

    def __init__(self, directory: Path):
        self._cache = diskcache.Cache(str(directory))

    def claim(self, key: str, gen_id: str, ttl_s: float) -> str | None:
        """Take the key for gen_id; return None if taken, else the id that already holds it."""
        if self._cache.add(key, gen_id, expire=ttl_s):
            return None
        holder = self._cache.get(key)
        if holder is None:  # expired between add and get: try once more
            return None if self._cache.add(key, gen_id, expire=ttl_s) else self._cache.get(key)
        return holder

    def get(self, key: str) -> str | None:
        return self._cache.get(key)

    def put(self, key: str, gen_id: str, ttl_s: float) -> None:
        self._cache.set(key, gen_id, expire=ttl_s)

    def release(self, key: str, gen_id: str) -> None:
        """Forget the key, but only if it still points at gen_id (never drop someone else's)."""
        with self._cache.transact():
            if self._cache.get(key) == gen_id:
                self._cache.delete(key)

    def forget_ids(self, gen_ids: set[str]) -> int:
        """Drop every key pointing at one of gen_ids (used for generations that never finished)."""
        dropped = 0
        for key in list(self._cache.iterkeys()):
            if self._cache.get(key) in gen_ids:
                dropped += int(self._cache.delete(key))
        return dropped

    def close(self) -> None:
        self._cache.close()
