"""`open_backends(settings)`: the five roles built from configuration.

Today every setting leads to the embedded defaults under the data dir; the next backends (a database
URL, a Redis URL, an object store) are chosen here, so the Vault never names an implementation.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings
from .base import BudgetLedger, DedupCache, ImageStore, LiveChannel, RecordStore
from .duckdb.store import DuckDBStore
from .local.dedup import DiskDedupCache
from .local.images import LocalImageStore
from .local.ledger import LocalLedger
from .local.live import LocalLiveChannel


@dataclass
class Backends:
    store: RecordStore
    images: ImageStore
    cache: DedupCache
    live: LiveChannel
    ledger: BudgetLedger


def open_backends(settings: Settings, *, store: RecordStore | None = None, images: ImageStore | None = None,
                  cache: DedupCache | None = None, live: LiveChannel | None = None,
                  ledger: BudgetLedger | None = None) -> Backends:
    """The configured backends; one given here is used as it is (tests, custom deployments)."""
    return Backends(DuckDBStore(settings.db_path) if store is None else store,
                    LocalImageStore(settings.data_dir) if images is None else images,
                    DiskDedupCache(settings.data_dir / "cache") if cache is None else cache,
                    LocalLiveChannel() if live is None else live,  # (an empty one is falsy: it has a len)
                    LocalLedger() if ledger is None else ledger)
