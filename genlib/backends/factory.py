"""`open_backends(settings)`: the six roles built from configuration.

No URL set: the embedded defaults under the data dir (and the budgets and prices TOML files).
`database_url` (postgresql://) → PostgreSQL records and the budgets and prices documents; `blob_url` (s3://) → pictures in an object store; `redis_url` → dedup, live channel and
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
from .base import (AnnotationStore, BatchStore, BudgetLedger, DedupCache, ImageStore, LiveChannel, RecordStore,
                   SettingsStore, ShareStore)
from .duckdb.store import DuckDBStore
from .local.dedup import DiskDedupCache
from .local.images import LocalImageStore
from .local.ledger import LocalLedger
from .local.live import LocalLiveChannel
from .local.settings import FileSettings

DATABASE_SCHEMES = ("postgresql://", "postgres://")


@dataclass
class Backends:
    store: RecordStore
    images: ImageStore
    cache: DedupCache
    live: LiveChannel
    ledger: BudgetLedger
    documents: SettingsStore
    annotations: AnnotationStore | None = None  # tags, notes, stars, ratings; in the record store's database
    shares: ShareStore | None = None
    # What `close` runs, in order (threads of the live channel and ledger before the client they use).
    closers: list[Callable[[], None]] = field(default_factory=list)
    batches: BatchStore | None = None  # in the record store's database; None for a store of another kind

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
                  ledger: BudgetLedger | None = None, documents: SettingsStore | None = None,
                  annotations: AnnotationStore | None = None, shares: ShareStore | None = None) -> Backends:
    """The configured backends; one given here is used as it is (tests, custom deployments)."""
    check_urls(settings)
    store = _store(settings) if store is None else store
    try:
        documents = _documents(settings, store) if documents is None else documents
    except BaseException:
        store.close()
        raise
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
    found = _marks(store) if annotations is None or shares is None else (annotations, shares)
    annotations, shares = annotations or found[0], shares or found[1]
    return Backends(store, images, cache, live, ledger, documents, annotations, shares,
                    [*before, documents.close, cache.close, store.close, *after], batch_store(store))


def batch_store(store) -> BatchStore | None:
    """Batch jobs live beside the records, in the same database (migration 9 of either store)."""
    if isinstance(store, DuckDBStore):
        from .duckdb.batch import DuckDBBatchStore

        return DuckDBBatchStore(store)
    if type(store).__name__ == "PostgresStore":  # not imported here: the embedded default never loads psycopg
        from .postgres.batch import PostgresBatchStore

        return PostgresBatchStore(store.pool)
    return None


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


def _marks(store) -> tuple[AnnotationStore | None, ShareStore | None]:
    """Annotations and share links live beside the records: in the same database as the store."""
    pool = getattr(store, "pool", None)
    if pool is not None:
        from .postgres.marks import PostgresAnnotations, PostgresShares

        return PostgresAnnotations(pool), PostgresShares(pool)
    if isinstance(store, DuckDBStore) or hasattr(store, "run_writes"):
        from .duckdb.marks import DuckDBAnnotations, DuckDBShares

        return DuckDBAnnotations(store), DuckDBShares(store)
    return None, None  # a custom store (tests' proxies): no tags or shares


def _documents(settings: Settings, store) -> SettingsStore:
    """With a database URL, the database's documents (on the store's pool when it is PostgreSQL's)."""
    if not settings.database_url:
        return FileSettings(settings.resolved_budgets_file, settings.resolved_prices_file)
    from .postgres.documents import PostgresSettings

    pool = getattr(store, "pool", None)
    return PostgresSettings(pool) if pool is not None else open_documents(settings)


def open_documents(settings: Settings) -> SettingsStore:
    """The budgets and prices documents alone (the CLI's import/export: no record store, no writer)."""
    check_urls(settings)
    if not settings.database_url:
        return FileSettings(settings.resolved_budgets_file, settings.resolved_prices_file)
    from .postgres.documents import PostgresSettings
    from .postgres.migrations import migrate
    from .postgres.pool import connection, open_pool

    pool = open_pool(settings.database_url, min_size=1, max_size=2)
    try:
        with connection(pool) as con:
            migrate(con, pool.schema)  # a fresh database gets its tables, as a replica's start does
        return PostgresSettings(pool, owns_pool=True)
    except BaseException:
        pool.close()
        raise


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
