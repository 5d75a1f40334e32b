"""The storage seam: the six roles genlib needs from storage, as Protocols of domain verbs.

No SQL, file path or client object crosses it. The embedded defaults (`open_backends`) are DuckDB
records, local image files, a diskcache dedup cache, an in-process live channel and budget ledger;
a multi-replica deployment implements the same Protocols (e.g. Postgres, S3, Redis) and passes them
to `Vault(store=..., images=..., cache=..., registry=..., ledger=...)`; the budgets and prices
documents (`SettingsStore`) are the TOML files, or the database's when there is one; tags, notes and share
links (`AnnotationStore`, `ShareStore`) live in the record store's database. tests/contract/ runs the
same tests against every implementation; tests/test_layout.py checks genlib calls nothing else.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Callable, ContextManager, Iterator, Protocol, Sequence

import pandas as pd

from ..batchrecords import BatchJob, BatchRow
from ..budgets.use import SpendWindow
from ..compare.model import CompareGroup
from ..filters import Filters
from ..marks import Annotation, Edit, Marks, Share
from ..records import Generation
from ..reports import Page
from ..run.live import LiveGeneration
from ..settingsdoc import SettingsDocument
from ..tombstone import Candidate, Tombstone

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
    def comparisons(self) -> "CompareStore":
        """The comparison groups kept beside the generations (same database)."""
    def close(self) -> None: ...

    # -- reads ----------------------------------------------------------------------------
    def get(self, gen_id: str) -> Generation | None:
        """The record with its text saved so far."""
    def get_many(self, ids: list[str]) -> list[Generation]:
        """`get` for several ids in one query: the records found, in the order given."""
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

    # -- deletion (retention, a user deleting their own) ----------------------------------------
    def expired(self, before: datetime, limit: int, after: tuple[datetime, str] | None = None) -> list[Candidate]:
        """Finished records not deleted yet, created before `before`, oldest first by (created, id),
        only those after `after` (keyset paging); at most `limit`."""
    def protected_ids(self, candidate_ids: Sequence[str]) -> set[str]:
        """Those of candidate_ids a prune keeps whatever their age: generations the user marked as
        worth keeping (starred, shared or noted, on a schema that records those). None otherwise."""
    def bury(self, ids: Sequence[str], deleted_by: str | None, reason: str) -> list[str]:
        """One transaction: each finished, not yet deleted record among ids gets its tombstone and
        loses its content (prompt, answer, messages, system prompt, parameters); its cost fields stay,
        so the books balance. Its pictures' names move to the tombstone. The ids buried."""
    def unswept(self, limit: int) -> list[tuple[str, list[dict]]]:
        """Tombstones whose clean-up is not done yet: (id, pictures still to delete)."""
    def swept(self, ids: Sequence[str]) -> None:
        """Their pictures are gone: drop any derived data (a search index entry), mark them clean."""
    def tombstone(self, gen_id: str) -> Tombstone | None:
        """The tombstone of a deleted generation, or None."""
    def reclaim(self, full: bool = False) -> None:
        """Make the space freed by deletions reusable (DuckDB: a checkpoint; PostgreSQL: VACUUM);
        `full` also gives it back to the system (a rewrite of the file / VACUUM FULL), for when
        nothing else uses the store (the CLI)."""
    def retention_turn(self) -> ContextManager[bool]:
        """While held, True for one process at a time sharing the store (a prune runs only then)."""


class CompareStore(Protocol):
    """Comparison groups (issue 13): what was asked of which models, their panels' generation ids
    and the analyst's pick. Reached through `RecordStore.comparisons()`."""

    def create(self, group: CompareGroup) -> None:
        """A new group, durable on return."""
    def get(self, group_id: str) -> CompareGroup | None: ...
    def pick(self, group_id: str, pick: str, by: str, when: datetime) -> bool:
        """Save the pick if the group has none yet (compare-and-set); False if it already had one."""
    def recent(self, user_id: str | None, since: datetime | None, until: datetime | None,
               limit: int) -> list[CompareGroup]:
        """Groups created in [since, until) (None: unbounded), of user_id (None: everyone's), newest first."""
    def of_generation(self, gen_id: str) -> CompareGroup | None:
        """The group one of whose panels is gen_id, if any."""


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
    def save_attachment(self, sha256: str, data: bytes, mime: str) -> None:
        """Store an image attached to a prompt under its content address (`vision.attachment_key`);
        idempotent: the same bytes are kept once. ValueError if `sha256` is not a hex digest."""
    def read_attachment(self, sha256: str) -> bytes:
        """The bytes of a stored attachment; NotFound if missing or `sha256` is not a hex digest."""
    def delete(self, relpath: str) -> None:
        """Remove a stored picture or thumbnail; nothing if it is already gone or not one of ours."""


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


class SettingsStore(Protocol):
    """The budgets and prices documents (TOML text, `settingsdoc.NAMES`), shared by every replica."""

    def current(self, name: str) -> SettingsDocument:
        """The document in force, cheap enough for every start: as saved at most a few seconds ago
        (the database's poll interval) or at once (a file: one stat). text None: never saved."""
    def read(self, name: str) -> SettingsDocument:
        """Fresh from storage (an edit starts from this one's version)."""
    def write(self, name: str, text: str, expected_version: str, by: str | None = None) -> SettingsDocument:
        """Save `text` (already validated) if the document is still at `expected_version` ("" when
        never saved); raise EditConflict otherwise, writing nothing. The saved document."""
    def close(self) -> None: ...


class AnnotationStore(Protocol):
    """Tags, a note, a star and a rating beside each generation (its own record never changes);
    every change is kept with who made it and when. Callers check who may edit first."""

    def annotation(self, gen_id: str) -> Annotation:
        """What the generation carries (an empty Annotation if nothing)."""
    def annotate(self, gen_id: str, by: str, at: datetime, changes: Sequence[tuple[str, str]]) -> Annotation:
        """All or nothing: apply (what, value) changes, what in "tag+", "tag-", "note", "star"
        ("1"/"0"), "rating" ("1"/"0"/"-1"), each recorded as an Edit; the annotation after them."""
    def history(self, gen_id: str) -> list[Edit]:
        """Every change, oldest first."""
    def annotations(self, gen_ids: Sequence[str]) -> dict[str, Annotation]:
        """The annotated ones among gen_ids."""
    def tags(self, visible_to: str | None, limit: int = 200) -> list[str]:
        """Tags in use on generations visible_to sees (None: all), most used first."""
    def find(self, marks: Marks, visible_to: str | None, limit: int = 50) -> list[str]:
        """Ids of generations matching every mark, visible to visible_to (None: all), newest first."""
    def cost_by_tag(self, visible_to: str | None, since: datetime | None, until: datetime | None) -> pd.DataFrame:
        """tag, generations, cost_usd of tagged generations created in [since, until), costliest first."""


class ShareStore(Protocol):
    """Read-only links to one generation. Only the token's hash is stored; the switch is the
    admin's "sharing off" for everyone."""

    def create(self, share: Share, token_hash: str) -> None: ...
    def lookup(self, token_hash: str) -> Share | None:
        """The link with this token hash, whatever its state (revoked and expired included)."""
    def viewed(self, share_id: str, at: datetime) -> None:
        """Count one view."""
    def revoke(self, share_id: str, at: datetime) -> bool:
        """Revoke it now (False if unknown or already revoked)."""
    def shares(self, owner_id: str | None) -> list[Share]:
        """Links made by owner_id (None: everyone's), newest first."""
    def sharing_enabled(self) -> bool: ...
    def set_sharing(self, enabled: bool, by: str, at: datetime) -> None: ...


class BatchStore(Protocol):
    """Batch jobs (genlib/batch) and their rows, one per (input row, model), in the record store's database."""

    def create(self, job: BatchJob, rows: Sequence[BatchRow]) -> None:
        """The job and all its rows, all or nothing."""
    def set_job(self, job_id: str, **values) -> None:
        """Set status, message or concurrency (and the update time)."""
    def lease(self, job_id: str, runner_id: str, seconds: float, replacing: str | None = None) -> bool:
        """Atomically take or renew the job's lease for `seconds`: True if free, already ours, expired
        or held by `replacing` (a runner known to be dead); False while another runner holds it."""
    def release(self, job_id: str, runner_id: str) -> None:
        """Give the lease up, only if runner_id holds it."""
    def update_rows(self, updates: Sequence[tuple[tuple[str, int, str], dict]]) -> None:
        """Set fields of rows ((job, row, model), {status, gen_id, attempts, cost_usd, error}), all or nothing."""
    def reset_rows(self, job_id: str, from_status: str, to_status: str) -> int:
        """Move every row of one status to another (attempts and error cleared); how many."""
    def job(self, job_id: str) -> BatchJob | None: ...
    def jobs(self, user_id: str | None, limit: int = 50) -> list[BatchJob]:
        """Newest first: a user's, or everyone's (None)."""
    def rows(self, job_id: str, statuses: Sequence[str] = (), limit: int | None = None,
             offset: int = 0) -> list[BatchRow]:
        """In (row, model) order, optionally only some statuses, one page."""
    def counts(self, job_id: str) -> dict[str, tuple[int, object]]:
        """{row status: (rows, summed cost or None)}."""
    def unsettled(self, job_id: str) -> list[BatchRow]:
        """Rows whose generation was started and not yet settled (a crashed runner's)."""
    def close(self) -> None: ...
