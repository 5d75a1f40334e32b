"""PostgreSQL cut mid-test (through a TCP proxy; the shared server keeps running): starts refused
before any provider call, streaming text saved on recovery, the outage bounds, and an owner's final
record winning over a neighbour's "interrupted"."""
from __future__ import annotations

import logging
import time

import pytest

from genlib import GenerationRequest, StorageUnavailable
from tests.faults import proxied, until
from tests.vaults import make_vault

WORDS = [f"w{i:03d} " for i in range(80)]
STREAM = dict(text="".join(WORDS), chunks=len(WORDS), delay=0.05)  # 4 s of text


@pytest.fixture
def cut_db(pg_schema, tmp_path, fake):
    """(vault over a proxied PostgreSQL, proxy)."""
    url, proxy = proxied(f"{pg_schema.url}{'&' if '?' in pg_schema.url else '?'}schema={pg_schema.schema}", 5432)
    vault = make_vault(tmp_path / "data", fake, database_url=url)
    yield vault, proxy
    proxy.restore()
    vault.close()
    proxy.stop()


def _start(vault, prompt: str = "hello"):
    return vault.start(GenerationRequest(prompt, "gpt-4o-mini"), "ana")


def test_starts_are_refused_before_any_provider_call_and_work_again_after(cut_db, fake):
    vault, proxy = cut_db
    assert vault.wait(_start(vault, "before"), timeout=20).status == "complete"
    proxy.cut()
    with pytest.raises(StorageUnavailable, match="database"):
        _start(vault, "during 1")  # the first one finds out (the pool's timeout at most)
    began = time.monotonic()
    with pytest.raises(StorageUnavailable, match="can't be reached"):
        _start(vault, "during 2")  # the breaker is open: refused at once
    assert time.monotonic() - began < 1.0
    assert "database" in vault.storage_problem()
    assert fake.calls("chat") == 1
    proxy.restore()

    def after():
        try:
            return _start(vault, "after")
        except StorageUnavailable:
            return None
    gen_id = until(after, timeout=30, every=0.5)
    assert gen_id and vault.wait(gen_id, timeout=20).status == "complete"
    assert vault.storage_problem() is None
    assert vault.store.get(gen_id).status == "complete"  # a fresh connection, not a dead one


def test_a_streaming_generation_keeps_its_text_and_saves_it_when_the_database_is_back(cut_db, fake):
    vault, proxy = cut_db
    fake.default.update(STREAM)
    gen_id = _start(vault)
    assert until(lambda: len(vault.get(gen_id).result_text) > 20, timeout=20)
    proxy.cut()
    final = vault.wait(gen_id, timeout=60)
    assert final.status == "complete" and final.result_text == STREAM["text"]  # from memory
    assert gen_id in vault.keeper.waiting()
    proxy.restore()
    saved = until(lambda: _stored(vault, gen_id), timeout=40, every=0.5)
    assert saved and saved.status == "complete" and saved.result_text == STREAM["text"]
    assert vault.keeper.waiting() == []


def test_past_the_bounds_the_generation_is_stopped_with_its_text_and_the_final_dropped(cut_db, fake, caplog):
    vault, proxy = cut_db
    vault.keeper.max_unsaved_s, vault.keeper.keep_final_s = 1.0, 3.0
    fake.default.update(dict(text="".join(WORDS * 5), chunks=len(WORDS) * 5, delay=0.05))  # 20 s
    gen_id = _start(vault)
    assert until(lambda: len(vault.get(gen_id).result_text) > 20, timeout=20)
    caplog.set_level(logging.WARNING, logger="genlib")
    proxy.cut()
    final = vault.wait(gen_id, timeout=60)  # stopped by the bound, well before the 20 s stream ends
    assert final.status == "cancelled" and 20 < len(final.result_text) < len(WORDS) * 5 * 5
    assert "database could not be reached" in final.error
    assert until(lambda: "stopped: its text could not be saved" in caplog.text, timeout=10)
    assert until(lambda: "final record dropped after 3 s" in caplog.text, timeout=20)
    assert vault.keeper.waiting() == []
    proxy.restore()
    # What was saved before the cut stays: a prefix of the text, the row still this replica's.
    kept = until(lambda: _stored(vault, gen_id, live=True), timeout=40, every=0.5)
    assert kept and final.result_text.startswith(kept.result_text)


def test_the_owners_final_record_wins_over_a_neighbours_interrupted(pg_schema):
    from genlib.backends.postgres.store import PostgresStore
    from genlib.clock import utcnow
    from genlib.conversation import new_record

    url = f"{pg_schema.url}{'&' if '?' in pg_schema.url else '?'}schema={pg_schema.schema}"
    owner, neighbour = PostgresStore(url), PostgresStore(url)
    try:
        for order in ("interrupted first", "complete first"):
            record = new_record(GenerationRequest(order, "gpt-4o-mini"), "ana", "h", "", utcnow())
            owner.insert(record)
            done = _ended(record, "complete", "the whole answer")
            lapsed = _ended(record, "interrupted", "the whole")
            writes = [(neighbour, lapsed), (owner, done)]
            for store, gen in (writes if order == "interrupted first" else writes[::-1]):
                store.write(finals=[gen])
            got = owner.get(record.id)
            assert (got.status, got.result_text) == ("complete", "the whole answer"), order
    finally:
        owner.close()
        neighbour.close()


def _ended(record, status: str, text: str):
    from dataclasses import replace

    from genlib.clock import utcnow

    return replace(record, status=status, result_text=text, finished_utc=utcnow())


def _stored(vault, gen_id: str, live: bool = False):
    try:
        gen = vault.store.get(gen_id)
    except StorageUnavailable:
        return None
    return gen if gen is not None and (gen.is_live == live) else None
