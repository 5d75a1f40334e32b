"""`python -m genlib doctor`: checks each storage backend of the data dir, one line each.

The database (DuckDB, or PostgreSQL with GENLIB_DATABASE_URL): opens it (migrating it, as any start
does), reports its schema version, commits a write and reads it back. Images (files, or the object
store of GENLIB_BLOB_URL), the dedup cache (or Redis, GENLIB_REDIS_URL): a probe written, read back
and removed. Needs no provider and opens no Vault, so it works when the app can't start.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import diskcache

from .config import Settings
from .errors import GenlibError, first_line
from .ids import new_id
from .backends.duckdb.store import DuckDBStore
from .backends.urls import describe


@dataclass
class Check:
    backend: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{self.backend:<12} {'ok' if self.ok else 'FAILED':<7} {self.detail}"


def run_checks(settings: Settings) -> list[Check]:
    """One check per configured backend: the embedded ones, or each URL's service in their place."""
    where = {name: describe(url, port) for name, url, port in (("db", settings.database_url, 5432),
             ("redis", settings.redis_url, 6379)) if url}
    return [_guarded("database", _postgres, settings.database_url, where.get("db"))
            if settings.database_url else _guarded("database", _database, settings.db_path),
            _guarded("images", _s3, settings.blob_url) if settings.blob_url
            else _guarded("images", _files, settings.data_dir / "images"),
            _guarded("coordination", _redis, settings.redis_url, where.get("redis")) if settings.redis_url
            else _guarded("dedup cache", _cache, settings.data_dir / "cache")]


def _guarded(backend: str, check, target, shown=None) -> Check:
    """`shown` names a URL's service in a failure (host:port: a URL may hold a password)."""
    try:
        return Check(backend, True, check(target))
    except GenlibError as exc:
        return Check(backend, False, str(exc))
    except Exception as exc:  # noqa: BLE001 - a doctor reports every failure as its line
        return Check(backend, False, f"{shown or target}: {first_line(exc)}")


def _database(path: Path) -> str:
    version = _probed(DuckDBStore(path))
    return f"{path}: schema version {version}, write, checkpoint and read back ok"


def _probed(database) -> int:
    """A record store's schema version after a probe write is read back; the store is closed."""
    try:
        version = database.schema_version()
        database.probe()
        return version
    finally:
        database.close()


def _files(folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    probe, payload = folder / f".doctor-probe-{new_id()}", new_id().encode()
    try:
        probe.write_bytes(payload)
        if probe.read_bytes() != payload:
            raise OSError(f"a probe file read back different bytes in {folder}")
    finally:
        probe.unlink(missing_ok=True)
    return f"{folder}: write and read back ok"


def _cache(folder: Path) -> str:
    key, value = f"doctor-probe-{new_id()}", new_id()
    with diskcache.Cache(str(folder)) as disk:
        disk.set(key, value, expire=60)
        try:
            if disk.get(key) != value:
                raise OSError(f"a probe key read back a different value in {folder}")
        finally:
            disk.delete(key)
    return f"{folder}: write and read back ok"


def _postgres(url: str) -> str:
    from .backends.postgres import PostgresStore  # only when configured: psycopg

    database = PostgresStore(url)  # migrates, as any replica's start does
    version = _probed(database)
    return f"PostgreSQL {describe(url, 5432)} schema {database.schema}: version {version}, write and read back ok"


def _s3(url: str) -> str:
    from .backends.s3 import S3ImageStore, parse_blob_url  # only when configured: boto3

    S3ImageStore(url).probe()
    bucket, prefix = parse_blob_url(url)
    return f"object store bucket {bucket} prefix {prefix or '(none)'}: write, read back and delete ok"


def _redis(url: str) -> str:
    from .backends.redis import Space  # only when configured: redis-py

    space = Space(url)
    try:
        space.probe()
    finally:
        space.close()
    return f"Redis {describe(url, 6379)} prefix {space.prefix!r}: write and read back ok"
