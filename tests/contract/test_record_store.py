"""RecordStore contract: every record store keeps these promises (run per backend, see conftest)."""
from __future__ import annotations

import json
import threading
from decimal import Decimal

import pytest

from genlib import COMPLETE, INTERRUPTED, PENDING, STREAMING, Filters
from genlib.budgets.use import month_window
from genlib.clock import utcnow
from genlib.reports import cost_report
from tests.contract.records import finished, pending, read_export

RATES = {"fin": Decimal(0), "fout": Decimal(0)}


def save(store, gen, **final):
    """As a generation goes: inserted pending, then its final record written."""
    store.insert(gen)
    store.write(finals=[finished(gen, **final)])
    return gen


@pytest.fixture
def store(backend):
    backend.store.claim_orphans()
    backend.store.prepare(backend.live)
    return backend.store


def test_an_inserted_record_is_readable_at_once_from_any_thread(store):
    records = [pending(f"prompt {i}") for i in range(12)]
    threads = [threading.Thread(target=store.insert, args=(r,)) for r in records]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for record in records:
        got = store.get(record.id)
        assert (got.id, got.status, got.prompt, got.user_id) == (record.id, PENDING, record.prompt, "ana")
    assert store.get("nope") is None


def test_streamed_pieces_and_fields_then_the_final_record(store):
    gen = pending("stream me")
    store.insert(gen)
    now = utcnow()
    store.write(pieces=[(gen.id, 1, "Hello, ", now)], updates=[(gen.id, {"status": STREAMING, "model_used": "m1"})])
    store.write(pieces=[(gen.id, 2, "world", now)])
    got = store.get(gen.id)
    assert (got.status, got.model_used, got.result_text) == (STREAMING, "m1", "Hello, world")
    store.write(finals=[finished(gen, "Hello, world!")])
    got = store.get(gen.id)
    assert (got.status, got.result_text, got.cost_usd) == (COMPLETE, "Hello, world!", Decimal("0.0010"))


def test_a_final_record_may_come_in_the_same_write_as_other_records_text(store):
    a, b = pending("a"), pending("b")
    store.insert(a)
    store.insert(b)
    store.write(pieces=[(b.id, 1, "b so far", utcnow())], finals=[finished(a, "a done")])
    assert store.get(a.id).result_text == "a done" and store.get(b.id).result_text == "b so far"


def test_search_lists_every_inserted_record_newest_first_and_only_the_viewers(store):
    old, mine, theirs = pending("old one", ago_s=60), pending("mine"), pending("theirs", user="bob")
    for gen in (old, mine, theirs):
        store.insert(gen)
    page = store.search(Filters(), 1, 50, None, "newest")
    assert [g.id for g in page.items][-1] == old.id and len(page.items) == 3
    assert {g.id for g in store.search(Filters(visible_to="bob"), 1, 50, None, "newest").items} == {theirs.id}
    store.write(finals=[finished(mine, "a distinctive zebra answer")])
    found = store.search(Filters(q="zebra"), 1, 50, None, "newest")
    assert [g.id for g in found.items] == [mine.id]


def test_a_conversation_thread_oldest_first(store):
    first = finished(pending("first"), "one")
    store.insert(first)
    second = pending("second", parent=first)
    store.insert(second)
    assert [g.id for g in store.thread(second.id)] == [first.id, second.id]


def test_orphans_left_live_are_claimed_with_their_text_by_the_next_process(backend):
    backend.store.prepare(backend.live)
    gen = pending("cut short")
    backend.store.insert(gen)
    backend.store.write(pieces=[(gen.id, 1, "partial", utcnow())], updates=[(gen.id, {"status": STREAMING})])
    done = pending("done")
    backend.store.insert(finished(done))
    store = backend.reopen().store
    orphans = store.claim_orphans()
    assert [(g.id, g.result_text) for g in orphans] == [(gen.id, "partial")]
    orphans[0].status, orphans[0].finished_utc = INTERRUPTED, utcnow()
    store.write(finals=orphans)
    assert store.claim_orphans() == []
    assert store.get(gen.id).status == INTERRUPTED and store.get(done.id).status == COMPLETE


def test_costs_cube_top_ten_and_estimated_tokens(store):
    gens = [pending(f"p{i}") for i in range(3)]
    gens[1].usage_estimated = True
    for gen, cost in zip(gens, ("0.5", "0.25", None)):
        save(store, gen, cost=cost)
    report = cost_report(store, Filters())
    assert report.totals["generations"] == 3 and report.totals["cost_usd"] == Decimal("0.75")
    assert report.totals["unpriced"] == 1 and report.totals["estimated_tokens"] == 120
    assert list(report.top["id"]) == [gens[0].id, gens[1].id]
    assert list(report.by_user["user_id"]) == ["ana"]


def test_budget_spend_by_period_and_user(store):
    for user, cost in (("ana", "1.00"), ("ana", "0.50"), ("Bob", "2.00")):
        save(store, pending(f"{user} {cost}", user=user), cost=cost)
    window = month_window(utcnow(), RATES)
    spent = store.spend(window, "ana")
    assert spent == {"user_day": Decimal("1.50"), "user_month": Decimal("1.50"),
                     "all_day": Decimal("3.50"), "all_month": Decimal("3.50")}
    by_user = {u: Decimal(str(m)) for u, _, m in store.spend_by_user(window).itertuples(index=False)}
    assert by_user == {"ana": Decimal("1.50"), "bob": Decimal("2.00")}
    hourly = store.hourly_spend(window, "bob")
    assert list(hourly["user_id"]) == ["bob"] and int(hourly["generations"].iloc[0]) == 1
    assert len(store.hour_generations(window, "ana")) == 2


def test_unpriced_records_count_at_the_fallback_rates(store):
    save(store, pending("unpriced"), cost=None, tokens=(1000, 1000))
    window = month_window(utcnow(), {"fin": Decimal("0.001"), "fout": Decimal("0.002")})
    assert store.spend(window, "ana")["user_month"] == Decimal("3")


def test_repricing_writes_new_prices(store):
    gen = save(store, pending("reprice me"), cost=None)
    assert [g.id for g in store.priced_rows()] == [gen.id]
    store.set_prices([(gen.id, Decimal("0.04"), "new table")])
    got = store.get(gen.id)
    assert (got.cost_usd, got.price_source) == (Decimal("0.04"), "new table")


def test_sign_in_records_users_and_takes_over_legacy_rows(store):
    legacy = pending("before keys", user="ana@example.com")
    store.insert(legacy)
    store.sign_in("iss#ana", "iss", "ana", "ana@example.com", True, "ana@example.com")
    assert ("iss#ana", "ana@example.com", True) in store.users()
    assert store.get(legacy.id).user_id == "iss#ana"
    assert [g.id for g in store.search(Filters(visible_to="iss#ana"), 1, 50, None, "newest").items] == [legacy.id]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_export_writes_the_filtered_records(store, tmp_path, fmt):
    mine, theirs, other = pending("alpha one"), pending("alpha two", user="bob"), pending("beta three")
    for gen in (mine, theirs, other):
        store.insert(gen)
    dest = store.export(Filters(q="alpha", visible_to="ana"), fmt, tmp_path / f"out.{fmt}")
    frame = read_export(dest, fmt)
    ids = [i.removeprefix("'") for i in frame["id"]] if fmt == "csv" else list(frame["id"])  # an id may
    assert ids == [mine.id] and list(frame["prompt"]) == ["alpha one"]  # begin with '-': quoted in CSV


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_exports_list_newest_first_as_history_does(store, tmp_path, fmt):
    gens = [pending(f"ordered {i}", ago_s=60 * (3 - i)) for i in range(3)]  # oldest first
    for gen in gens:
        store.insert(gen)
    dest = store.export(Filters(q="ordered"), fmt, tmp_path / f"out.{fmt}")
    frame = read_export(dest, fmt)
    assert list(frame["prompt"]) == ["ordered 2", "ordered 1", "ordered 0"]


def test_jsonl_nests_the_json_columns_as_objects(store, tmp_path):
    first = save(store, pending("nested first"))
    follow = save(store, pending("nested follow-up", parent=first))
    lines = store.export(Filters(q="nested follow"), "jsonl", tmp_path / "out.jsonl").read_text().splitlines()
    row = json.loads(lines[0])
    assert row["id"] == follow.id
    assert row["messages_json"] == json.loads(follow.messages_json)  # a list of messages, not its text
    assert isinstance(row["params_json"], dict)


def test_get_many_reads_several_records_in_the_order_given_like_get(store):
    first, second = save(store, pending("many one")), save(store, pending("many two"), text="second answer")
    just_started = pending("many three")
    store.insert(just_started)  # the embedded store keeps it in its start journal until the next write
    found = store.get_many([second.id, "X" * 21, just_started.id, first.id])
    assert [g.id for g in found] == [second.id, just_started.id, first.id]  # a missing id left out
    assert found == [store.get(second.id), store.get(just_started.id), store.get(first.id)]
    assert found[0].result_text == "second answer" and store.get_many([]) == []


def test_an_unknown_export_format_is_refused(store, tmp_path):
    with pytest.raises(ValueError, match="csv, jsonl or parquet"):
        store.export(Filters(), "xlsx", tmp_path / "x")


def test_maintenance_and_reindex(store):
    for i in range(3):
        save(store, pending(f"indexed {i}"))
    store.maintain()
    assert store.reindex() == 3
    assert len(store.search(Filters(q="indexed"), 1, 50, None, "newest").items) == 3


def test_a_running_process_claims_none_of_its_own_live_records(backend):
    """The periodic claim (own=False) ends only a dead process's records, never one still running."""
    backend.store.prepare(backend.live)
    gen = pending("still running")
    backend.store.insert(gen)
    backend.store.write(pieces=[(gen.id, 1, "so far", utcnow())], updates=[(gen.id, {"status": STREAMING})])
    assert backend.store.claim_orphans(own=False) == []
    assert [g.id for g in backend.store.claim_orphans()] == [gen.id]  # at close: its own


def with_attachment(prompt: str = "look"):
    from genlib import GenerationRequest
    from genlib.conversation import new_record
    from genlib.vision import from_bytes
    from tests.vision_helpers import picture

    request = GenerationRequest(prompt, "gpt-4o-mini", attachments=(from_bytes(picture()),))
    return new_record(request, "ana", "test-host", f"key-{prompt}", utcnow())


def test_attachments_json_roundtrips(store):
    gen = save(store, with_attachment())
    got = store.get(gen.id)
    assert got.attachments == gen.attachments and got.attachments[0]["width"] == 64
    assert store.get(save(store, pending("no images")).id).attachments == []


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_exports_name_the_attachments_by_sha256_without_bytes(store, tmp_path, fmt):
    gen = save(store, with_attachment("exported look"))
    text = store.export(Filters(), fmt, tmp_path / f"out.{fmt}").read_bytes()
    assert gen.attachments[0]["sha256"].encode() in text and b"base64" not in text
