"""History pages on PostgreSQL read newest first window by window (newest.py): the pages, counts and
cursors are those of one ORDER BY over every match, whatever windows the matches fall in."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest

from genlib.filters import Filters
from genlib.records import COMPLETE, ERROR
from tests.backends.pgrecords import T0, open_store, record


@pytest.fixture
def store(pg_schema):
    store = open_store(pg_schema)
    yield store
    store.close()


def _spread(n: int, seed: int = 5) -> list:
    """Records over a year, most in its last days, some sharing a created time (ties broken by id),
    a few matching "needle" (either text), every seventh an error."""
    rng = random.Random(seed)
    gens = []
    for i in range(n):
        minutes = int(525_600 * (1 - rng.random() ** 8))  # dense near the end, sparse a year back
        if i % 10 == 3 and gens:
            minutes = int((gens[-1].created_utc - T0).total_seconds() // 60)  # a tie
        needle = rng.random() < 0.3
        gens.append(record(f"row {i} {'NeEdLe' if needle and i % 2 else 'hay'}", status=ERROR if i % 7 == 0 else COMPLETE,
                           minutes=minutes, result_text="a needle here" if needle and not i % 2 else "plain"))
    return gens


def _bulk(store, gens) -> None:
    from genlib.backends.postgres.sql import INSERT, storable

    with store.pool.connection() as con, con.cursor() as cur:
        cur.executemany(INSERT, [storable((*g.to_row(), None)) for g in gens])


def _ordered_ids(store, condition: str = "true") -> list[str]:
    """Every matching id as one ORDER BY over all rows puts them: what the pages must walk."""
    with store.pool.connection() as con:
        return [r[0] for r in con.execute(f"SELECT id FROM generations WHERE {condition} "
                                          "ORDER BY created_utc DESC, id DESC")]


def _walk(store, filters: Filters, size: int) -> list[str]:
    seen, after = [], None
    while True:
        page = store.search(filters, page=1, page_size=size, after=after, order="newest")
        seen += [g.id for g in page.items]
        if not page.has_more:
            return seen
        after = page.next_after


@pytest.mark.parametrize("filters, condition", [
    (Filters(q="needle"), "(prompt ILIKE '%needle%' OR result_text ILIKE '%needle%')"),
    (Filters(q="needle", status=ERROR), "(prompt ILIKE '%needle%' OR result_text ILIKE '%needle%') AND status = 'error'"),
    (Filters(), "true")])
def test_cursor_pages_walk_every_match_in_order_across_windows(store, filters, condition):
    _bulk(store, _spread(1400))
    expected = _ordered_ids(store, condition)
    assert _walk(store, filters, size=37) == expected
    first = store.search(filters, page=1, page_size=37, after=None, order="newest")
    if filters.q:  # a term's count stops once the page is full: a lower bound, "N+"
        assert 37 < first.total <= len(expected) and first.total_capped == (first.total < len(expected))
    else:
        assert (first.total, first.total_capped) == (min(len(expected), 1000), len(expected) > 1000)
    for number in (2, 28, 30):  # pages by number: inside the counted 1,001 and beyond them
        page = store.search(filters, page=number, page_size=37, after=None, order="newest")
        assert [g.id for g in page.items] == expected[(number - 1) * 37:number * 37]


def test_date_bounds_and_a_cursor_of_a_deleted_row(store):
    gens = _spread(300, seed=9)
    _bulk(store, gens)
    day = max(g.created_utc for g in gens).date() - timedelta(days=2)
    filters = Filters(date_from=day, date_to=day + timedelta(days=1))
    expected = _ordered_ids(store, f"created_utc >= '{day}' AND created_utc < '{day + timedelta(days=2)}'")
    assert _walk(store, filters, size=3) == expected
    everything = _ordered_ids(store)
    first = store.search(Filters(), page=1, page_size=10, after=None, order="newest")
    with store.pool.connection() as con:
        con.execute("DELETE FROM generations WHERE id = %s", (first.items[-1].id,))
    after = store.search(Filters(), page=1, page_size=10, after=first.next_after, order="newest")
    assert [g.id for g in after.items] == everything[10:20]


def test_an_admins_user_filter_pages_every_account_with_that_email(store):
    with store.pool.connection() as con:
        con.execute("INSERT INTO users VALUES ('iss#1', 'iss', '1', 'ana@example.com', true, now(), now())")
    _bulk(store, [record("by key", user="iss#1", minutes=1), record("by email", user="ana@example.com", minutes=2),
                  record("other", user="bob", minutes=3)])
    for user, prompts in (("ana@example.com", ["by email", "by key"]), ("iss#1", ["by key"]), ("bob", ["other"])):
        page = store.search(Filters(user_id=user), page=1, page_size=1, after=None, order="newest")
        rest = store.search(Filters(user_id=user), page=1, page_size=5, after=page.next_after, order="newest")
        assert [g.prompt for g in page.items + rest.items] == prompts and page.total == len(prompts)


def test_a_terms_window_is_an_index_condition_of_the_day_keyed_trigram_indexes(store):
    """The window's days must reach the GIN index (migration 14) as int4 keys: sent as psycopg's
    int2 they were a filter after every candidate of the table was rechecked (300k rows: 115 ms, not 9)."""
    from genlib.backends.postgres import newest as windows

    _bulk(store, _spread(200))
    seen = []

    class Explaining:
        def __init__(self, con):
            self.con = con

        def execute(self, query, params=()):
            if query.startswith("SELECT created_utc, id"):
                seen.append("\n".join(r[0] for r in self.con.execute("EXPLAIN " + query, params)))
            return self.con.execute(query, params)

    with store.pool.connection() as con:
        con.execute("SET enable_seqscan = off")  # a tiny table: ask whether the index *can* serve it
        try:
            windows.newest(Explaining(con), "WHERE (prompt ILIKE %s OR result_text ILIKE %s)",
                           ["%needle%", "%needle%"], 1001, by_day=True)
        finally:
            con.execute("RESET enable_seqscan")
    assert "_day_trgm" in seen[0] and "= ANY" in seen[0].split("Index Cond")[1], seen[0]
    assert "= ANY" not in seen[-1]  # the last window: the whole table, no day keys


def test_a_search_within_a_rare_status_is_read_at_once_and_walks_like_windows(store):
    """A status under 1 % of the analyzed records is read in one query (its index ANDed in over the
    whole range), a common one in windows; both walk every match in order."""
    import psycopg

    gens = _spread(700)
    for gen in gens[::150]:
        gen.status = "interrupted"  # 5 of 700
    _bulk(store, gens)
    with store.pool.connection() as con:
        con.execute("ANALYZE generations")
    reads = []
    execute = psycopg.Connection.execute

    def counting(self, query, params=None, **kw):
        if str(query).startswith("SELECT created_utc, id FROM generations"):
            reads.append(query)
        return execute(self, query, params, **kw)
    psycopg.Connection.execute = counting
    try:
        rare = store.search(Filters(q="needle", status="interrupted"), page=1, page_size=2)
        at_once, reads[:] = len(reads), []
        store.search(Filters(q="needle", status=ERROR), page=1, page_size=50)
        windows = len(reads)
    finally:
        psycopg.Connection.execute = execute
    assert at_once == 1 and windows > 1
    assert rare.total == len(_ordered_ids(store, "status = 'interrupted' AND (prompt ILIKE '%needle%' "
                                                 "OR result_text ILIKE '%needle%')"))
    for status in ("interrupted", ERROR):
        expected = _ordered_ids(store, f"status = '{status}' AND (prompt ILIKE '%needle%' OR result_text ILIKE '%needle%')")
        assert _walk(store, Filters(q="needle", status=status), 2) == expected
