"""The PostgreSQL record store's verbs against a real server: write a generation's life, read it back,
search History's query language, follow a thread, refuse what isn't a column."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from genlib.filters import Filters
from genlib.records import COMPLETE, ERROR, INTERRUPTED, PENDING, STREAMING
from tests.backends.pgrecords import T0, insert_all, open_store, piece, record


@pytest.fixture
def store(pg_schema):
    store = open_store(pg_schema)
    yield store
    store.close()


def test_a_generation_is_pending_then_streams_then_is_final_with_its_text_written_once(store):
    gen = record("tell me", status=PENDING)
    insert_all(store, [gen])
    assert store.get(gen.id).status == PENDING
    store.write(pieces=[piece(gen.id, 1, "Hel")], updates=[(gen.id, {"status": STREAMING})])
    store.write(pieces=[piece(gen.id, 2, "lo")])
    live = store.get(gen.id)
    assert (live.status, live.result_text) == (STREAMING, "Hello")
    final = replace(live, status=COMPLETE, result_text="Hello!", finished_utc=T0 + timedelta(seconds=2),
                    input_tokens=3, output_tokens=2)
    store.write(finals=[final])
    done = store.get(gen.id)
    assert (done.status, done.result_text, done.output_tokens) == (COMPLETE, "Hello!", 2)
    with store.pool.connection() as con:
        assert con.execute("SELECT count(*) FROM generation_chunks").fetchone()[0] == 0
        assert con.execute("SELECT replica_id FROM generations WHERE id = %s", (gen.id,)).fetchone()[0] is None


def test_a_record_round_trips_every_field(store):
    gen = record("every field", status=COMPLETE, system_prompt="be brief", params_json='{"seed": 1}',
                 usage_json='{"prompt_tokens": 10}', cache_read_tokens=4, reasoning_tokens=1,
                 usage_estimated=True, cost_saved_usd=None, price_source="genai-prices", response_id="r-1",
                 dedup_key="k" * 64, finish_reason="length", request_sent_utc=T0, first_token_utc=T0)
    insert_all(store, [gen])
    assert store.get(gen.id) == gen
    assert store.get_many([gen.id, "X" * 21]) == [gen]
    assert store.get("X" * 21) is None


def test_a_failed_batch_keeps_nothing_of_itself(store):
    gen = record("atomic")
    insert_all(store, [gen])
    with pytest.raises(Exception):
        store.write(pieces=[piece(gen.id, 1, "kept?")], finals=[replace(gen, status=None)])  # NOT NULL fails
    assert store.get(gen.id).result_text == ""


def test_column_names_come_from_code_only(store):
    gen = record()
    insert_all(store, [gen])
    for bad in ({"status; DROP TABLE generations": "x"}, {"id": "other"}):
        with pytest.raises(ValueError):
            store.write(updates=[(gen.id, bad)])
    assert store.get(gen.id).status == STREAMING


def _page(store, **filters):
    return [g.prompt for g in store.scan(Filters(**filters), limit=50)]


@pytest.fixture
def history(store):
    rows = [record("alpha beta", status=COMPLETE, minutes=1, result_text="the answer 42"),
            record("beta gamma", status=COMPLETE, minutes=2, user="bob", result_text="100% sure"),
            record("literal snake_case and 50%", status=ERROR, minutes=3),
            record("Straße Ölung", status=COMPLETE, minutes=4, result_text="ÉCOLE"),
            record("yesterday's", status=COMPLETE, minutes=-24 * 60)]
    insert_all(store, rows)
    return rows


def test_search_matches_every_term_as_a_substring_of_the_prompt_or_the_answer(store, history):
    assert _page(store) == ["Straße Ölung", "literal snake_case and 50%", "beta gamma", "alpha beta", "yesterday's"]
    assert _page(store, q="beta") == ["beta gamma", "alpha beta"]
    assert _page(store, q="BETA swer") == ["alpha beta"]  # every term; case ignored; part of a word
    assert _page(store, q='"beta gamma"') == ["beta gamma"]
    assert _page(store, q="beta -gamma") == ["alpha beta"]
    assert _page(store, q="42") == ["alpha beta"]
    assert _page(store, q="école") == ["Straße Ölung"]


def test_like_wildcards_and_quotes_in_a_query_are_plain_text(store, history):
    assert _page(store, q="e_c") == ["literal snake_case and 50%"]
    assert _page(store, q="0%") == ["literal snake_case and 50%", "beta gamma"]
    assert _page(store, q="%") == ["literal snake_case and 50%", "beta gamma"]
    assert _page(store, q="'; DROP TABLE generations; --") == []
    assert store.count(Filters()) == 5


def test_filters_and_keyset_paging(store, history):
    assert _page(store, status=ERROR) == ["literal snake_case and 50%"]
    assert _page(store, visible_to="bob") == ["beta gamma"]
    assert _page(store, user_id="bob", q="gamma") == ["beta gamma"]
    assert _page(store, date_from=date(2026, 11, 2), date_to=date(2026, 11, 2)) == _page(store)[:4]
    assert _page(store, date_to=date(2026, 11, 1)) == ["yesterday's"]
    first = store.scan(Filters(), limit=2)
    after = (first[-1].created_utc, first[-1].id)
    assert [g.prompt for g in store.scan(Filters(), limit=2, before=after)] == ["beta gamma", "alpha beta"]
    assert [g.prompt for g in store.scan(Filters(), limit=2, offset=2)] == ["beta gamma", "alpha beta"]


def test_a_users_email_filter_finds_every_account_with_that_email(store):
    with store.pool.connection() as con:
        con.execute("INSERT INTO users VALUES ('iss#1', 'iss', '1', 'ana@example.com', true, now(), now())")
    insert_all(store, [record("by key", user="iss#1"), record("by email", user="ana@example.com")])
    assert sorted(_page(store, user_id="ana@example.com")) == ["by email", "by key"]
    assert store.accounts_of("ana@example.com") == ["ana@example.com", "iss#1"]


def test_a_live_rows_saved_chunks_show_in_search_results(store):
    gen = record("still streaming")
    insert_all(store, [gen])
    store.write(pieces=[piece(gen.id, 1, "so far")])
    assert store.scan(Filters(), limit=5)[0].result_text == "so far"


def test_thread_is_the_chain_of_parents_oldest_first(store):
    first = record("one", status=COMPLETE)
    second = record("two", status=COMPLETE, parent_id=first.id, minutes=1)
    third = record("three", parent_id=second.id, minutes=2)
    insert_all(store, [first, second, third])
    store.write(pieces=[piece(third.id, 1, "partial")])
    chain = store.thread(third.id)
    assert [g.prompt for g in chain] == ["one", "two", "three"]
    assert chain[-1].result_text == "partial"
    assert [g.prompt for g in store.thread(third.id, max_depth=2)] == ["two", "three"]
    assert store.thread("X" * 21) == []


def test_a_final_record_lands_even_without_its_pending_row(store):
    gen = record("cache hit", status=INTERRUPTED, result_text="kept")
    store.write(finals=[gen])
    assert store.get(gen.id).result_text == "kept"


def test_a_history_page_has_keyset_paging_a_capped_count_and_snippets(store, history):
    from genlib.filters import Filters as F

    first = store.search(F(), page=1, page_size=2, after=None, order="newest")
    assert [g.prompt for g in first.items] == ["Straße Ölung", "literal snake_case and 50%"]
    assert (first.has_more, first.total, first.total_capped) == (True, 5, False)
    second = store.search(F(), page=2, page_size=2, after=first.next_after, order="newest")
    assert [g.prompt for g in second.items] == ["beta gamma", "alpha beta"]
    by_number = store.search(F(), page=2, page_size=2, after=None, order="newest")
    assert [g.id for g in by_number.items] == [g.id for g in second.items]
    found = store.search(F(q="beta"), page=1, page_size=10, after=None, order="newest")
    assert found.total == 2 and not found.has_more
    assert ("beta", True) in found.snippets[found.items[0].id]


def test_best_match_puts_shorter_records_first(store):
    insert_all(store, [record("needle " + "x" * 200, status=COMPLETE, minutes=5),
                       record("needle", status=COMPLETE, minutes=1)])
    best = store.search(Filters(q="needle"), page=1, page_size=10, after=None, order="best")
    assert [len(g.prompt) for g in best.items] == [6, 207]


def test_a_count_beyond_a_thousand_says_so(store):
    insert_all(store, [record(f"many {n}", status=COMPLETE, minutes=n) for n in range(1002)])
    page = store.search(Filters(status=COMPLETE), page=1, page_size=5, after=None, order="newest")
    assert (page.total, page.total_capped, len(page.items)) == (1000, True, 5)
    deep = store.search(Filters(q="many"), page=200, page_size=5, after=None, order="newest")
    assert (deep.total, deep.total_capped, len(deep.items)) == (1000, True, 5)
    # a term's count stops once the page is full (each further window rechecks its candidates): "N+"
    first = store.search(Filters(q="many"), page=1, page_size=5, after=None, order="newest")
    assert first.total_capped and 5 < first.total <= 1000 and len(first.items) == 5


def test_sign_in_records_the_user_and_takes_over_records_saved_under_the_email(store):
    legacy = record("before keys", user="ana@example.com", status=COMPLETE)
    insert_all(store, [legacy])
    store.sign_in("iss#ana", "iss", "ana", "ana@example.com", True, take_over="ana@example.com")
    assert store.users() == [("iss#ana", "ana@example.com", True)]
    assert store.get(legacy.id).user_id == "iss#ana"
    store.sign_in("iss#ana", "iss", "ana", "ana@new.example", False, take_over=None)
    assert store.users() == [("iss#ana", "ana@new.example", False)]


def test_connections_cut_by_the_server_are_replaced_not_failed(store, pg_schema):
    """As after a database restart: every pooled connection is terminated; the next calls reconnect."""
    import psycopg

    gen = record("before the cut")
    store.insert(gen)
    with psycopg.connect(pg_schema.url, autocommit=True) as admin:
        cut = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s",
                            (f"genvault:{pg_schema.schema}",)).fetchone()[0]
    assert cut >= 1
    assert store.get(gen.id).prompt == "before the cut"
    store.write(pieces=[piece(gen.id, 1, "after the cut")])
    assert store.get(gen.id).result_text == "after the cut"


def test_an_unreachable_database_mid_life_is_a_clear_storage_error(pg_schema):
    from genlib.errors import StorageUnavailable

    store = open_store(pg_schema)
    store.heartbeat.stop()
    store.pool.close()  # as good as a database that went away
    with pytest.raises(StorageUnavailable, match="can't be reached"):
        store.insert(record("refused"))
