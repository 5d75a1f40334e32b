"""The persistence design holds: no write per token, one writer, loss window bounded, API pinned.
(The storage seam and the layers: tests/test_layout.py and tests/contract/.)"""
from __future__ import annotations

import threading
import time

import genlib
from genlib import GenerationRequest, Settings, Vault
from genlib.backends.duckdb.store import DuckDBStore
from tests.fakeprovider import FakeProvider


class CountingStore(DuckDBStore):
    """The real store, counting write transactions and the threads that made them."""

    def __init__(self, path):
        super().__init__(path)
        self.batches, self.writer_threads, self.journal_rows_by = 0, set(), {}

    def write_batch(self, *args, **kwargs):
        self.batches += 1
        thread = threading.current_thread().name
        if kwargs.get("starts") and not args:  # a start-journal row, by the thread that starts it
            self.journal_rows_by[thread] = self.journal_rows_by.get(thread, 0) + len(kwargs["starts"])
        else:
            self.writer_threads.add(thread)
        return super().write_batch(*args, **kwargs)


def test_streamed_tokens_are_saved_in_a_few_batched_writes_by_one_thread(tmp_path):
    with FakeProvider() as fake:
        fake.enqueue(text="t " * 2000, chunks=2000, delay=0.0005)
        fake.enqueue(text="u " * 2000, chunks=2000, delay=0.0005)
        store = CountingStore(tmp_path / "db.duckdb")
        vault = Vault(Settings(data_dir=tmp_path, base_url=fake.base_url, api_key="k", flush_interval_s=0.1),
                      store=store)
        try:
            ids = [vault.start(GenerationRequest(p, "gpt-4o-mini"), user_id="ana") for p in ("a", "b")]
            finals = [vault.wait(i, timeout=30) for i in ids]
        finally:
            vault.close()
    assert [len(f.result_text) for f in finals] == [4000, 4000]
    # 4,000 tokens: inserts + finals + one batch per 100 ms tick, never one per token
    assert store.batches < 100, store.batches
    # the persister writes everything but each generation's pending row, which its caller commits
    assert store.writer_threads == {"genlib-persister"}
    assert store.journal_rows_by == {"MainThread": 2}


def test_unsaved_text_never_waits_longer_than_the_flush_interval(tmp_path):
    with FakeProvider() as fake:
        fake.enqueue(text="x " * 300, chunks=300, delay=0.005)
        vault = Vault(Settings(data_dir=tmp_path, base_url=fake.base_url, api_key="k", flush_interval_s=0.1))
        try:
            gen_id = vault.start(GenerationRequest("slow", "gpt-4o-mini"), user_id="ana")
            worst = 0.0
            while (live := vault.registry.get(gen_id)) is not None and not live.ended:
                worst = max(worst, live.unsaved_age_s())
                time.sleep(0.005)
            vault.wait(gen_id, timeout=10)
        finally:
            vault.close()
    # generous bound for a noisy machine; the benchmark reports the real figure
    assert worst < 0.5, worst


def test_public_api_is_pinned():
    assert sorted(genlib.__all__) == sorted([
        "Vault", "Settings", "GenerationRequest", "Generation", "TokenBuckets", "Filters", "Page",
        "CostReport", "RepriceReport", "GenlibError", "BadRequest", "NotFound", "StorageUnavailable",
        "DatabaseLocked", "BudgetExceeded", "RateLimited", "new_id", "looks_like_id", "OFFLINE_MODEL",
        "OFFLINE_IMAGE_MODEL",
        "PENDING", "STREAMING", "COMPLETE", "ERROR", "CANCELLED", "INTERRUPTED", "STATUSES",
        "TEXT", "IMAGE", "KINDS", "Identity", "apply_thread_switch",
        "format_usd", "estimate_tokens", "IMAGE_SIZES", "IMAGE_QUALITIES", "DAILY", "MONTHLY", "used_up_message",
        "BUDGETS_MISSING", "BUDGETS_BLANK", "BUDGETS_READ", "utcnow",
        "SETTINGS_BUDGETS", "SETTINGS_PRICES", "SettingsDocument", "EditConflict", "Tombstone", "PruneReport",
        "CompareGroup", "Panel", "Standing", "TIE", "MIN_PANELS", "MAX_PANELS",
        "Attachment", "attachment_from_bytes", "is_sha256", "MAX_ATTACHMENTS", "MAX_ATTACHMENT_BYTES",
        "Annotation", "Edit", "Marks", "Share", "ShareUnavailable", "SHARE_EXPIRY", "RESTART"])
    assert all(hasattr(genlib, name) for name in genlib.__all__)
