"""The storage seam: the five roles genlib needs from storage, as Protocols of domain verbs.

No SQL, file path or client object crosses it. The embedded defaults (`open_backends`) are DuckDB
records, local image files, a diskcache dedup cache, an in-process live channel and budget ledger;
a multi-replica deployment implements the same Protocols (e.g. Postgres, S3, Redis) and passes them
to `Vault(store=..., images=..., cache=..., registry=..., ledger=...)`. tests/contract/ runs the
same tests against every implementation; tests/test_layout.py checks genlib calls nothing else.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterator, Protocol, Sequence

import pandas as pd

from ..budgets.use import SpendWindow
from ..filters import Filters
from ..records import Generation
from ..reports import Page
from ..run.live import LiveGeneration

Progress = Callable[[int, int], None]  # (done, total)
# One piece of streamed text: (generation id, sequence number from 1, text, when it was taken).
TextPiece = tuple[str, int, str, datetime]


class RecordStore(Protocol):
    """Generations, their streamed text, the cost reports and the users table.

    Writes: `insert` from any thread (a new generation, durable before its provider call), `write`
    from the writer's thread (its flushes) and from the orphan watch (finishing records a dead
    process left, never one the writer has). Every read sees every record inserted before it."""

    # -- writes ---------------------------------------------------------------------------
    def insert(self, record: Generation) -> None:
        """A new record (a pending generation, or a dedup hit's finished copy), durable on return."""
    def write(self, pieces: Sequence[TextPiece] = (), updates: Sequence[tuple[str, dict]] = (),
              finals: Sequence[Generation] = ()) -> None:
        """All or nothing: append streamed text pieces, set fields of live records, finish records
        (the whole record with its whole text; its pieces are then dropped)."""
    def claim_orphans(self, own: bool = True) -> list[Generation]:
        """Records left live by a process that is gone, text saved so far included; the caller
        finishes them with `write(finals=...)`. `own` (start-up and close) adds this process's own;
        own=False is the running process's periodic look for a dead neighbour's (a shared database:
        one whose lease expired; never a live neighbour's). Each record goes to one claimant."""
    def prepare(self, live: "LiveChannel") -> None:
        """Once, after the orphans are finished, before the writer starts: bring derived data (a
        search index) up to date; `live` knows the generations running in this process."""
    def maintain(self) -> None:
        """Periodic upkeep, called by the writer after its flushes (e.g. folding closed days into a
        cost rollup): cheap when there is nothing to do; raises on failure (the writer logs it)."""
    def set_prices(self, prices: Sequence[tuple[str, Decimal | None, str | None]]) -> None:
        """Re-priced records: (id, cost_usd, price_source) each, and any cost rollup rebuilt."""
    def sign_in(self, user_id: str, issuer: str, subject: str, email: str | None, email_verified: bool,
                take_over: str | None) -> None:
        """Record a user's sign-in; with `take_over` (an email), records saved under that email
        before user keys existed become theirs, in the same transaction."""
    def reindex(self, progress: Progress | None = None) -> int:
        """Rebuild any search structure from the records; how many records it indexed."""
    def close(self) -> None: ...

    # -- reads ----------------------------------------------------------------------------
    def get(self, gen_id: str) -> Generation | None:
        """The record with its text saved so far."""
    def search(self, filters: Filters, page: int, page_size: int, after: str | None, order: str) -> Page:
        """One History page (see `Vault.search`)."""
    def thread(self, gen_id: str, max_depth: int = 50) -> list[Generation]:
        """The conversation ending at gen_id, oldest first."""
    def priced_rows(self) -> Iterator[Generation]:
        """Every finished record that is not a cache hit, oldest first (for re-pricing)."""
    def users(self) -> list[tuple[str, str | None, bool]]:
        """(user_id, email, email_verified) of every signed-in user."""
    def cost_cube(self, filters: Filters) -> pd.DataFrame:
        """The Costs page's sums as grouping sets (columns and order: see reports.cost_report)."""
    def top_costs(self, filters: Filters, limit: int = 10) -> pd.DataFrame:
        """The most expensive priced records: id, created_utc, user_id, model, kind, cost_usd,
        tokens, usage_estimated, prompt (first 120 characters)."""
    def estimated_tokens(self, filters: Filters) -> int:
        """Tokens counted by estimate among the filtered records."""
    def spend(self, window: SpendWindow, user: str) -> dict[str, Decimal]:
        """Budget spend (user names lower-cased): user_day, user_month, all_day, all_month."""
    def spend_by_user(self, window: SpendWindow) -> pd.DataFrame:
        """user_id, day_usd, month_usd per user with records in the month."""
    def hourly_spend(self, window: SpendWindow, user: str | None) -> pd.DataFrame:
        """user_id, hour, cost_usd, generations per user and UTC hour in [since, until)."""
    def hour_generations(self, window: SpendWindow, user: str) -> pd.DataFrame:
        """The user's records in [since, until), most expensive first (at most 20)."""
    def export(self, filters: Filters, fmt: str, dest: Path, progress: Progress | None = None) -> Path:
        """The filtered records as csv, jsonl or parquet at `dest`, oldest first, in bounded memory."""


class ImageStore(Protocol):
    """Generated pictures, addressed by the relative name `save` returns (kept in the record)."""

    def save(self, gen_id: str, index: int, data: bytes) -> dict:
        """Store a picture and its thumbnail: dict(path, thumb, width, height, mime)."""
    def read(self, relpath: str) -> bytes:
        """The bytes of a stored picture or thumbnail; NotFound if missing or not one of ours."""
    def url(self, relpath: str) -> str | None:
        """An address a browser may fetch it from directly, or None (then serve `read`'s bytes)."""
    def local_path(self, relpath: str) -> Path | None:
        """The file on this machine, or None when the store is not local files."""
    def recover(self, gen_id: str) -> list[dict]:
        """The pictures saved under gen_id before a crash (each must decode), as `save` returns them."""


class DedupCache(Protocol):
    """Which generation answers an identical request: a claim while one runs, then the finished one."""

    def claim(self, key: str, gen_id: str, ttl_s: float) -> str | None:
        """Atomically take the key for gen_id (for at most ttl_s); None if taken, else the holder."""
    def hold(self, key: str, gen_id: str) -> None:
        """Make gen_id the holder (a forced request, or one replacing a stale holder)."""
    def get(self, key: str) -> str | None: ...
    def put(self, key: str, gen_id: str, ttl_s: float) -> None:
        """gen_id finished: it answers identical requests for ttl_s seconds."""
    def release(self, key: str, gen_id: str) -> None:
        """Drop the key, only if gen_id still holds it."""
    def forget(self, gen_ids: set[str]) -> int:
        """Drop every key held by one of gen_ids (generations that never finished)."""
    def close(self) -> None: ...


class LiveChannel(Protocol):
    """Generations in flight: this process's `LiveGeneration`s (its worker appends text pieces to
    them, the writer saves them) and following or cancelling any generation by id."""

    def add(self, live: LiveGeneration) -> None:
        """Publish a generation this process runs: its text pieces become followable."""
    def get(self, gen_id: str) -> LiveGeneration | None:
        """The running generation, if this process runs it."""
    def all(self) -> list[LiveGeneration]:
        """Every generation this process runs."""
    def remove(self, gen_id: str) -> None:
        """It ended and its final record is saved."""
    def follow(self, gen_id: str) -> Iterator[str]:
        """Its text as it arrives (all of it so far first), until it ends; nothing if not running."""
    def cancel(self, gen_id: str, user_id: str | None = None) -> bool:
        """Ask it to stop (partial text kept); False if it is not running (or not user_id's)."""


class BudgetLedger(Protocol):
    """Reservations for generations in flight and the per-user rate of starts."""

    def reserve(self, gen_id: str, user: str, amount: Decimal | None, rate_per_minute: int | None,
                check: Callable[[Decimal, Decimal], None]) -> None:
        """One atomic step: raise RateLimited if `user` started `rate_per_minute` in the last minute;
        if `amount`, call check(held by user, held overall) (it raises BudgetExceeded) and hold
        `amount` for gen_id; count the start."""
    def settle(self, gen_id: str) -> None:
        """Its final cost is saved: drop the reservation."""
    def release(self, gen_id: str) -> None:
        """It never started: drop the reservation (idempotent)."""
    def held(self) -> list[tuple[str, Decimal]]:
        """(user, amount) of every reservation."""
