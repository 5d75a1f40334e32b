"""RecordStore contract, deletion (issue 14, retention): tombstones keep the books, leave History,
and a burial is all or nothing; ImageStore.delete. Run per backend (see conftest)."""
from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from genlib import Filters, new_id
from genlib.budgets.use import month_window
from genlib.clock import utcnow
from genlib.reports import cost_report
from genlib.tombstone import BY_USER, RETENTION
from tests.contract.records import finished, pending, read_export
from tests.contract.test_image_store import png


@pytest.fixture
def store(backend):
    backend.store.claim_orphans()
    backend.store.prepare(backend.live)
    return backend.store


def saved(store, prompt, ago_days=0.0, user="ana", text="a zebra answer", cost="0.0010"):
    gen = pending(prompt, user=user, ago_s=ago_days * 86400)
    store.insert(gen)
    store.write(finals=[finished(gen, text, cost=cost)])
    return gen


def books(store):
    """Everything the Costs page and the budgets add up: totals, the by-day/model/user frames, spend."""
    report = cost_report(store, Filters())
    # (the top ten keep the deleted one, its cost and link; only its prompt is gone)
    frames = {name: frame.drop(columns=["prompt"], errors="ignore").to_dict("records")
              for name, frame in report.frames.items()}
    window = month_window(utcnow(), {"fin": Decimal(0), "fout": Decimal(0)})
    return report.totals, frames, store.spend(window, "ana"), store.spend_by_user(window).to_dict("records")


def test_expired_lists_old_finished_records_oldest_first_with_keyset_paging(store):
    old, older, new = saved(store, "old", 40), saved(store, "older", 50), saved(store, "new", 0)
    live = pending("live one", ago_s=60 * 86400)
    store.insert(live)
    first = store.expired(utcnow() - timedelta(days=30), 1)
    assert [c.id for c in first] == [older.id] and first[0].bytes > 0 and first[0].user_id == "ana"
    rest = store.expired(utcnow() - timedelta(days=30), 10, (first[0].created_utc, first[0].id))
    assert [c.id for c in rest] == [old.id]  # never the live one, never the new one
    assert {c.id for c in store.expired(utcnow() - timedelta(hours=1), 10)} == {old.id, older.id}
    assert store.protected_ids([old.id, older.id]) == set()  # nothing starred, noted or shared


def test_a_buried_record_keeps_its_cost_and_leaves_history_and_search(store):
    keep, gone = saved(store, "keep me"), saved(store, "bury me", cost="0.0500")
    folded = saved(store, "an old one", 3, cost="0.2000")
    store.maintain()  # its day goes into the cost rollup
    before = books(store)
    assert set(store.bury([gone.id, folded.id], None, RETENTION)) == {gone.id, folded.id}
    assert books(store) == before  # the books balance, rollup and base table alike
    tomb = store.tombstone(gone.id)
    assert (tomb.id, tomb.user_id, tomb.deleted_by, tomb.reason) == (gone.id, "ana", None, RETENTION)
    assert tomb.sentence().startswith("Deleted on ") and tomb.sentence().endswith("by the retention policy.")
    row = store.get(gone.id)
    assert (row.prompt, row.result_text, row.messages_json, row.cost_usd) == ("", "", None, gone.cost_usd)
    assert [g.id for g in store.search(Filters(), 1, 50, None, "newest").items] == [keep.id]
    assert store.tombstone(folded.id) is not None
    assert store.search(Filters(q="bury"), 1, 50, None, "newest").items == []
    assert store.tombstone(keep.id) is None
    assert gone.id not in {c.id for c in store.expired(utcnow() + timedelta(days=1), 10)}


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_exports_leave_a_buried_record_out_as_history_does(store, tmp_path, fmt):
    """An export is History's list as a file: a deleted record (a blank row kept for the books)
    is no line of it, and the count behind the progress bar leaves it out too."""
    keep, gone = saved(store, "export keep"), saved(store, "export gone")
    store.bury([gone.id], "ana", BY_USER)
    reported = []
    dest = store.export(Filters(), fmt, tmp_path / f"out.{fmt}", lambda done, total: reported.append(total))
    frame = read_export(dest, fmt)
    assert [str(i).removeprefix("'") for i in frame["id"]] == [keep.id] and reported[-1] == 1


def test_bury_is_idempotent_and_never_takes_a_live_record(store):
    gen, live = saved(store, "once"), pending("running")
    store.insert(live)
    assert store.bury([gen.id, live.id, "missing"], "ana", BY_USER) == [gen.id]
    assert store.bury([gen.id], None, RETENTION) == []
    assert store.tombstone(gen.id).reason == BY_USER and store.tombstone(live.id) is None
    assert store.get(live.id).prompt == "running"


def test_pictures_wait_in_the_tombstone_until_swept(backend, store):
    gen = pending("a picture")
    meta = backend.images.save(gen.id, 0, png())
    store.insert(gen)
    final = finished(gen)
    final.images_json = json.dumps([meta])
    store.write(finals=[final])
    store.bury([gen.id], None, RETENTION)
    assert store.get(gen.id).images_json is None
    assert store.unswept(10) == [(gen.id, [meta])]
    store.swept([gen.id])
    assert store.unswept(10) == []


def test_reclaim_and_one_retention_turn_at_a_time(store):
    store.bury([saved(store, "x").id], None, RETENTION)
    store.reclaim()
    with store.retention_turn() as first:
        with store.retention_turn() as second:
            assert (first, second) == (True, False)
    with store.retention_turn() as again:
        assert again


def test_an_image_store_deletes_a_picture_and_ignores_what_is_gone_or_not_its_own(backend):
    from genlib import NotFound

    meta = backend.images.save(new_id(), 0, png())
    backend.images.delete(meta["path"])
    backend.images.delete(meta["path"])
    backend.images.delete("../../etc/passwd")
    with pytest.raises(NotFound):
        backend.images.read(meta["path"])
    assert backend.images.read(meta["thumb"])
