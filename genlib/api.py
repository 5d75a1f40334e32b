"""`Vault`: the public API used by the app, the CLI and notebooks.

    vault = Vault()                                   # settings from the environment
    gen_id = vault.start(GenerationRequest("Hi", "gpt-4o-mini"), user_id="ana")
    for text in vault.follow(gen_id): print(text, end="")   # then vault.get(gen_id).cost_usd

`start` returns once the pending row is committed; the provider is called after that, in a
worker thread owned by the process. Storage is five roles (genlib/backends/base.py), built by
`open_backends` unless given; with the embedded defaults, one Vault per data dir and process.
"""
from __future__ import annotations

import atexit
import json
import time
from pathlib import Path
from typing import Iterator

from .backends.base import (AnnotationStore, BudgetLedger, DedupCache, ImageStore, LiveChannel, RecordStore,
                            SettingsStore, ShareStore)
from .backends.factory import open_backends
from .apphelpers import AppHelpers
from .batchapi import Batches
from .claims import DedupClaims
from .compare.vaultpart import Comparisons
from .curation import Curation
from .budgets.guard import BudgetGuard
from .clock import utcnow
from .config import Settings
from .conversation import make_cache_hit, new_record
from .dedup import SHARED_HIT, dedup_key
from .deletion import Deletions
from .errors import BadRequest, NotFound, StorageUnavailable
from .run.health import StorageHealth
from .ids import looks_like_id
from .pricing.prices import Pricer
from .providers.client import make_provider
from .providers.sendgate import SendPermit
from .retention.daily import DailyPrune
from .reportsapi import Reports
from .records import COMPLETE, IMAGE, PENDING, Generation, GenerationRequest
from .run.copies import copy_images
from .run.live import RESTART, LiveGeneration, RecentRecords
from .run.persister import Persister
from .run.outage import OutageKeeper
from .run.orphans import OrphanWatch
from .run.worker import Worker
from .settingsdoc import PRICES
from .settingsedit import SettingsEditing, seed_from_files
from .users import Identity, UserDirectory
from .validate import check_request, valid_unicode
from .writable import check_writable

WRITABLE_TRUST_S = 1.0


class Vault(AppHelpers, Reports, DedupClaims, SettingsEditing, Deletions, Comparisons, Curation, Batches):
    def __init__(self, settings: Settings | None = None, *, provider=None, store: RecordStore | None = None,
                 images: ImageStore | None = None, cache: DedupCache | None = None, pricer: Pricer | None = None,
                 registry: LiveChannel | None = None, ledger: BudgetLedger | None = None,
                 documents: SettingsStore | None = None, annotations: AnnotationStore | None = None,
                 shares: ShareStore | None = None):
        self.settings = settings or Settings.from_env()
        self.data_dir = Path(self.settings.data_dir)
        parts = open_backends(self.settings, store=store, images=images, cache=cache, live=registry, ledger=ledger,
                              documents=documents, annotations=annotations, shares=shares)
        self._backends = parts  # closed as a whole: a team set also has threads and a client
        self.store, self.images, self.cache = parts.store, parts.images, parts.cache
        self.registry, self.ledger = parts.live, parts.ledger  # registry: the live channel
        self.documents = parts.documents  # budgets and prices: the files, or the database's
        self.annotations, self.shares = parts.annotations, parts.shares  # tags, notes, links (curation.py)
        seed_from_files(self.documents, self.settings)
        self.pricer = pricer or Pricer(lambda: self.documents.current(PRICES))
        self.provider = provider or make_provider(self.settings)
        self.recent = RecentRecords()
        self.users = UserDirectory(self.store)
        self.health = StorageHealth(self.store, self.images)
        self.budgets = BudgetGuard(self.store, self.ledger, self.pricer, self.provider.host, self.settings,
                                   names=self.users.budget_name, documents=self.documents)
        self.orphans = OrphanWatch(self.store, self.images, self.cache, self.pricer)  # and a dead replica's
        self.interrupted_at_start = self.orphans.sweep()
        self.store.prepare(self.registry)
        self.persister = Persister(self.store, self.registry, self.settings.flush_interval_s)
        self.keeper = OutageKeeper(self.persister, self.registry)  # bounds: run/outage.py
        self.worker = Worker(self.provider, self.pricer, self.images, self.persister, self.store.get,
                             self.after_finish, lambda: self._closed, self.keeper)
        self._closed = False
        self._writable_checked = float("-inf")
        self.daily_prune = DailyPrune(self._daily_prune).start()  # only when a policy is set
        atexit.register(self.close)  # a clean stop (SIGTERM, Ctrl+C) saves what has arrived

    # -- starting -------------------------------------------------------------------------
    def start(self, request: GenerationRequest, user_id: str, *, force: bool = False,
              regenerated_from: str | None = None, gen_id: str | None = None) -> str:
        """Validate, save a pending row, then call the provider in the background. Returns the id.
        `gen_id`: the id to use (a batch saves it with its row beforehand); an id already taken
        fails the insert, and nothing is sent."""
        if gen_id is not None and not looks_like_id(gen_id):
            raise BadRequest("Not a generation id.")
        request = check_request(request)
        if not isinstance(user_id, str) or not user_id.strip():
            raise BadRequest("Every generation needs a user id.")
        if valid_unicode(user_id) != user_id:  # e.g. undecodable bytes in GENLIB_USER
            raise BadRequest("The user id contains invalid Unicode (a lone surrogate).")
        request = self.budgets.bound(request, user_id)  # under a budget, max_tokens is always sent
        if self._closed:
            raise StorageUnavailable("GenVault is shutting down: the generation was not saved.")
        self._check_writable()
        if request.kind == IMAGE:
            self.health.check_images()  # before paying: a picture that can't be stored is lost
        self.keep_attachments(request)
        key = dedup_key(request, self.provider.host, self._dedup_scope(user_id))
        record = new_record(request, user_id, self.provider.host, key, utcnow(), regenerated_from)
        record.id = gen_id or record.id
        live = LiveGeneration(record)
        # Registered before the key is claimed, so an identical request racing us can follow it.
        self.registry.add(live)
        try:
            return self._save_and_launch(live, request, force)
        except BaseException:
            self.registry.remove(record.id)
            live.mark_ended()
            self.cache.release(record.dedup_key, record.id)
            self.budgets.release(record.id)
            raise

    def _save_and_launch(self, live: LiveGeneration, request: GenerationRequest, force: bool) -> str:
        record = live.record
        original = None if force else self._claim_or_reuse(record)
        # Rate limit and budget reservation, before any provider call; a dedup hit reserves nothing.
        self.budgets.admit(record, request, hit=isinstance(original, Generation))
        if isinstance(original, Generation):
            self.registry.remove(record.id)
            return self._record_cache_hit(record, original)
        if force:
            self.cache.hold(record.dedup_key, record.id, self.settings.cache_ttl_s)
        if original is not None:
            record.cached_from = self._source_name(record, original.record)
            live.persist_chunks = False  # a follower mirrors someone else's text; theirs is saved
        # Durable before any request leaves the process: the worker prepares the call while this
        # thread inserts the record (the DuckDB store commits it to its start journal, sharing the
        # commit with concurrent starts); the worker's HTTP client holds the request until the
        # permit is granted.
        permit = SendPermit()
        self.worker.launch(live, request, original, permit)
        try:
            self.store.insert(record)
        except BaseException as exc:
            permit.refuse(exc)
            raise
        permit.grant()
        return record.id

    def _record_cache_hit(self, record: Generation, original: Generation) -> str:
        make_cache_hit(record, original, utcnow(), self._source_name(record, original))
        if record.cached_from == SHARED_HIT and original.images:  # their files: copy, never point
            record.images_json = json.dumps(copy_images(self.images, original.images, record.id))
        self.store.insert(record)  # a finished record, through the same cheap insert
        self.recent.put(record)
        return record.id

    def _check_writable(self) -> None:
        """Refuse before paying for a generation that could not be saved. A success is trusted for
        a second: the probe costs ~0.5 ms, and the pending row's own commit, which always precedes
        the provider call, still catches a failure in between."""
        if time.monotonic() - self._writable_checked >= WRITABLE_TRUST_S:
            check_writable(self.data_dir)
            self._writable_checked = time.monotonic()

    def sign_in(self, who: Identity) -> str:
        """Record a signed-in user; their user id (the issuer + subject key)."""
        if self.users.sign_in(who):
            self.recent.clear()  # cached records still name the legacy owner
        return who.key

    # -- reading --------------------------------------------------------------------------
    def get(self, gen_id: str, user_id: str | None = None) -> Generation | None:
        """The record (live text so far if it is streaming), or None if missing or not visible."""
        if not looks_like_id(gen_id):
            return None
        live = self.registry.get(gen_id)
        gen = live.snapshot().record if live is not None else self._read(gen_id)
        if gen is None or (user_id is not None and gen.user_id != user_id):
            return None
        return gen

    def _read(self, gen_id: str) -> Generation | None:
        return self.recent.get(gen_id) or self.store.get(gen_id)

    def wait(self, gen_id: str, timeout: float | None = None) -> Generation:
        """Block until the generation has ended; returns the final record."""
        live = self.registry.get(gen_id)
        if live is not None and not live.wait_ended(timeout):
            raise TimeoutError(f"generation {gen_id} still running")
        # The worker marks the end only after the final record is committed (or failed to be).
        gen = self.get(gen_id)
        if gen is None:
            raise NotFound(f"Generation {gen_id} not found.")
        return gen

    def wait_received(self, gen_id: str, timeout: float | None = None) -> bool:
        """Block until the provider is done with a generation this process runs (its final record
        may still be committing: `wait` for that); False on timeout."""
        live = self.registry.get(gen_id)
        return live is None or live.received.wait(timeout)

    def follow(self, gen_id: str, user_id: str | None = None) -> Iterator[str]:
        """Yield the text as it arrives (all of it so far first), until the generation ends. A piece
        that `is RESTART` (an empty string) means the text started again: drop what you have."""
        gen = self.get(gen_id, user_id)
        if gen is None:
            raise NotFound(f"Generation {gen_id} not found.")
        sent = 0
        for text in self.registry.follow(gen_id):
            sent = 0 if text is RESTART else sent + len(text)
            yield text
        final = self.get(gen_id)
        if final is not None and len(final.result_text) > sent:
            yield final.result_text[sent:]

    def cancel(self, gen_id: str, user_id: str | None = None) -> bool:
        """Stop a live generation, keeping its partial text; False if it is not running."""
        return self.registry.cancel(gen_id, user_id)

    def after_finish(self, final: Generation) -> None:
        """Release its budget reservation; keep the dedup cache pointing only at successful generations."""
        self.budgets.finished(final)
        if final.status != PENDING and self.registry.get(final.id) is None:
            self.recent.put(final)  # committed: later reads need no query
        if not final.dedup_key or final.cached_from:
            return
        if final.status == COMPLETE:
            self.cache.put(final.dedup_key, final.id, self.settings.cache_ttl_s)
        else:
            self.cache.release(final.dedup_key, final.id)

    def close(self) -> None:
        """Stop: live generations are saved as interrupted with the text they have. Idempotent."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        self._stop_batches()
        self.daily_prune.stop()
        self.keeper.stop()
        # With the database down, a close still closes: what was saved stays, and the lease
        # lapses, so a surviving replica (or the next start) ends the rest as interrupted.
        _unless_down(self.persister.flush)
        self.persister.stop()
        _unless_down(self.orphans.stop_and_sweep)
        for live in self.registry.all():  # stop paying for streams nobody can save any more
            self.registry.cancel(live.record.id)
        self.budgets.close()  # waits for a spend-alert query in flight, then allows no more
        self._backends.close()


def _unless_down(step) -> None:
    try:
        step()
    except StorageUnavailable:
        pass
