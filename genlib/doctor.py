"""`python -m genlib doctor`: checks each storage backend of the data dir, one line each.

The database: opens it (migrating it, as any start does), reports its schema version, commits a
write and a checkpoint and reads the value back. Image files and the dedup cache: a probe written,
read back and removed. Needs no provider and opens no Vault, so it works when the app can't start.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import diskcache

from .config import Settings
from .errors import GenlibError, first_line
from .ids import new_id
from .backends.duckdb.store import DuckDBStore


@dataclass
class Check:
    backend: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{self.backend:<12} {'ok' if self.ok else 'FAILED':<7} {self.detail}"


def run_checks(settings: Settings) -> list[Check]:
    return [_guarded("database", _database, settings.db_path),
            _guarded("images", _files, settings.data_dir / "images"),
            _guarded("dedup cache", _cache, settings.data_dir / "cache")]


def _guarded(backend: str, check, path: Path) -> Check:
    try:
        return Check(backend, True, check(path))
    except GenlibError as exc:
        return Check(backend, False, str(exc))
    except Exception as exc:  # noqa: BLE001 - a doctor reports every failure as its line
        return Check(backend, False, f"{path}: {first_line(exc)}")


def _database(path: Path) -> str:
    database = DuckDBStore(path)
    try:
        version = database.schema_version()
        database.probe()
    finally:
        database.close()
    return f"{path}: schema version {version}, write, checkpoint and read back ok"


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
