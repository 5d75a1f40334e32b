"""`open_backends(settings)`: the five roles built from configuration.

No URL set: the embedded defaults under the data dir. `database_url` (postgresql://) → PostgreSQL
records; `blob_url` (s3://) → pictures in an object store; `redis_url` → dedup, live channel and
budget ledger shared by every replica. Each driver package is imported only when its URL is set,
so the embedded default never loads psycopg, redis or boto3; the Vault never names an implementation.
"""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from typing import Callable

from ..config import Settings
from ..errors import BadRequest
from ..ids import new_id
from .base import BudgetLedger, DedupCache, ImageStore, LiveChannel, RecordStore
from .duckdb.store import DuckDBStore
from .local.dedup import DiskDedupCache
from .local.images import LocalImageStore
from .local.ledger import LocalLedger
from .local.live import LocalLiveChannel

DATABASE_SCHEMES = ("postgresql://", "postgres://")


@dataclass
class Backends:
    store: RecordStore
    images: ImageStore
    cache: DedupCache
    live: LiveChannel
    ledger: BudgetLedger
    # What `close` runs, in order (threads of the live channel and ledger before the client they use).
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        """Close every part; each is tried even if one before it failed (the first failure is raised)."""
        failure = None
        for close in self.closers or [self.cache.close, self.store.close]:
            try:
                close()
            except Exception as exc:  # noqa: BLE001 - the other parts must still close
                failure = failure or exc
        if failure is not None:
            raise failure


def open_backends(settings: Settings, *, store: RecordStore | None = None, images: ImageStore | None = None,
                  cache: DedupCache | None = None, live: LiveChannel | None = None,
                  ledger: BudgetLedger | None = None) -> Backends:
    """The configured backends; one given here is used as it is (tests, custom deployments)."""
    check_urls(settings)
    store = _store(settings) if store is None else store
    images = _images(settings) if images is None else images
    before, after = [], []
    if settings.redis_url and (cache is None or live is None or ledger is None):
        from .redis import RedisDedupCache, RedisLedger, RedisLiveChannel, Space

        space = Space(settings.redis_url)
        after.append(space.close)
        cache = RedisDedupCache(space, default_ttl_s=settings.cache_ttl_s) if cache is None else cache
        if live is None:
            live = RedisLiveChannel(space).start()
            before.append(live.close)
        if ledger is None:
            ledger = RedisLedger(space, _replica_id(store)).start()
            before.append(ledger.close)
    cache = DiskDedupCache(settings.data_dir / "cache") if cache is None else cache
    live = LocalLiveChannel() if live is None else live  # (an empty one is falsy: it has a len)
    ledger = LocalLedger() if ledger is None else ledger
    return Backends(store, images, cache, live, ledger, [*before, cache.close, store.close, *after])


def check_urls(settings: Settings) -> None:
    """A URL of a kind GenVault can't use is refused at start, naming the variable (never the URL:
    it may hold a password)."""
    if settings.database_url and not settings.database_url.startswith(DATABASE_SCHEMES):
        raise BadRequest("GENLIB_DATABASE_URL must be a postgresql:// URL (unset: the embedded DuckDB file).")
    if settings.blob_url and not settings.blob_url.startswith("s3://"):
        raise BadRequest("GENLIB_BLOB_URL must be an s3://bucket/prefix URL (unset: files under the data dir).")
    if settings.redis_url and not settings.redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise BadRequest("GENLIB_REDIS_URL must be a redis:// or rediss:// URL.")


def _store(settings: Settings) -> RecordStore:
    if settings.database_url:
        from .postgres import PostgresStore  # here: the embedded default never loads psycopg

        return PostgresStore(settings.database_url)
    return DuckDBStore(settings.db_path)


def _images(settings: Settings) -> ImageStore:
    if settings.blob_url:
        from .s3 import S3ImageStore  # here: the embedded default never loads boto3

        return S3ImageStore(settings.blob_url)
    return LocalImageStore(settings.data_dir)


def _replica_id(store) -> str:
    """The ledger's lease names the same replica as the database's (one id per process in logs)."""
    found = getattr(store, "replica_id", None)
    if isinstance(found, str):
        return found
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{new_id()[:8]}"  # as postgres.leases names one
