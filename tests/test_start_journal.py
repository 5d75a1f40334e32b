"""The start path: a pending row in the start journal, moved into `generations`, and the send gate."""
from __future__ import annotations

import threading
import time

import pytest

from genlib import Filters, GenerationRequest, StorageUnavailable
from genlib.conversation import new_record
from genlib.backends.duckdb.store import DuckDBStore, utcnow
from tests.vaults import make_vault


def journal_size(store: DuckDBStore) -> int:
    with store._cursor() as cur:
        return cur.execute("SELECT count(*) FROM generation_starts").fetchone()[0]


def test_a_journaled_row_is_readable_and_a_crash_leaves_it_interrupted(tmp_path):
    store = DuckDBStore(tmp_path / "genvault.duckdb")
    record = new_record(GenerationRequest("crashed right after start", "gpt-4o-mini"), "ana", "h", "key",
                        utcnow(), None)
    store.write_batch(starts=[record])
    got = store.get(record.id)
    assert (got.id, got.status, got.prompt, got.created_utc) == (record.id, "pending", record.prompt,
                                                                  record.created_utc)
    store.close()  # as if the process died before the writer's next flush
    vault = make_vault(tmp_path)
    try:
        assert vault.interrupted_at_start == 1
        saved = vault.store.get(record.id)
        assert saved.status == "interrupted" and saved.user_id == "ana"
        assert journal_size(vault.store) == 0
        assert [g.id for g in vault.search(Filters()).items] == [record.id]
    finally:
        vault.close()


def test_started_generations_move_into_the_table_and_reads_see_them_at_once(tmp_path, fake):
    fake.enqueue(text="slow " * 20, chunks=20, delay=0.05)
    vault = make_vault(tmp_path, fake, flush_interval_s=60.0)  # no tick will move it: reads must
    try:
        gen_id = vault.start(GenerationRequest("seen at once", "gpt-4o-mini"), user_id="ana")
        [row] = vault.search(Filters()).items
        assert row.id == gen_id and row.status in ("pending", "streaming")
        assert vault.costs().totals["generations"] == 1
        assert journal_size(vault.store) == 0
        final = vault.wait(gen_id, timeout=20)
        assert vault.store.get(gen_id).result_text == final.result_text == "slow " * 20
    finally:
        vault.close()


def test_a_final_record_that_arrives_before_any_flush_is_inserted_whole(tmp_path, fake):
    fake.enqueue(text="quick answer")
    vault = make_vault(tmp_path, fake, flush_interval_s=60.0)
    try:
        gen_id = vault.start(GenerationRequest("quick", "gpt-4o-mini"), user_id="ana")
        vault.wait(gen_id, timeout=20)
        assert journal_size(vault.store) == 0
        saved = vault.store.get(gen_id)
        assert (saved.status, saved.result_text) == ("complete", "quick answer")
        assert saved.request_sent_utc is not None and saved.first_token_utc is not None
    finally:
        vault.close()


def test_the_request_waits_for_a_slow_pending_commit(tmp_path, fake, monkeypatch):
    vault = make_vault(tmp_path, fake)
    write_batch, committed = vault.store.write_batch, threading.Event()

    def slow_start(*batch, starts=()):
        if starts:
            time.sleep(0.3)  # the worker is running meanwhile: it must not send yet
            write_batch(*batch, starts=starts)
            committed.set()
            return None
        return write_batch(*batch)

    monkeypatch.setattr(vault.store, "write_batch", slow_start)
    seen = {}
    fake.on_request = lambda entry: seen.setdefault("committed", committed.is_set())
    try:
        vault.wait(vault.start(GenerationRequest("slow commit", "gpt-4o-mini"), user_id="ana"), timeout=20)
    finally:
        vault.close()
    assert seen == {"committed": True}


@pytest.mark.parametrize("kind", ["text", "image"])
def test_a_failed_pending_commit_sends_nothing_and_saves_nothing(tmp_path, fake, monkeypatch, kind):
    vault = make_vault(tmp_path, fake)
    write_batch = vault.store.write_batch

    def failing(*batch, starts=()):
        if starts:
            raise StorageUnavailable("The database could not be written: disk full")
        return write_batch(*batch)

    monkeypatch.setattr(vault.store, "write_batch", failing)
    request = GenerationRequest("never sent", "dall-e-3" if kind == "image" else "gpt-4o-mini", kind=kind)
    try:
        with pytest.raises(StorageUnavailable, match="disk full"):
            vault.start(request, user_id="ana")
        time.sleep(0.3)  # give a wrongly released worker time to call the provider
        assert fake.calls("chat") + fake.calls("images") == 0
        assert len(vault.registry) == 0 and vault.search(Filters()).items == []
    finally:
        vault.close()


def test_a_journaled_dedup_hit_survives_a_crash_as_the_finished_record_it_is(tmp_path):
    store = DuckDBStore(tmp_path / "genvault.duckdb")
    hit = new_record(GenerationRequest("asked twice", "gpt-4o-mini"), "bob", "h", "key", utcnow(), None)
    hit.status, hit.result_text, hit.cached_from, hit.finished_utc = "complete", "the answer", "x" * 21, utcnow()
    store.write_batch(starts=[hit])
    store.close()  # died before the writer moved it
    vault = make_vault(tmp_path)
    try:
        assert vault.interrupted_at_start == 0
        saved = vault.store.get(hit.id)
        assert (saved.status, saved.result_text, saved.cached_from) == ("complete", "the answer", "x" * 21)
        assert journal_size(vault.store) == 0
    finally:
        vault.close()
