"""Quoted phrases on PostgreSQL (issue 11): whatever index narrows them, the pages walked by cursor
must be those of a full-scan ILIKE, on text made of near misses (the words apart, across a newline,
with a space made a letter, non-ASCII case pairs, LIKE's own characters)."""
from __future__ import annotations

import random

import pytest

from genlib.filters import Filters, escape_like
from genlib.records import COMPLETE, PENDING
from tests.backends.pgrecords import open_store, record
from tests.backends.test_postgres_newest import _bulk, _walk

# words that make near misses: the same words apart or across a newline, a space made a letter,
# non-ASCII case pairs, LIKE's own characters
WORDS = ["taku", "suzama", "TAKU", "Suzama", "q", "Q", "takuqsuzama", "straße", "STRASSE", "École", "école",
         "ÉCOLE", "a_b", "c%d", "x\\y", "zz"]
PHRASES = ["taku suzama", "q taku", "suzama q", "straße école", "a_b c%d", "x\\y zz", "ku su", "taku suzama taku"]


def _text(rng: random.Random) -> str:
    out = []
    for _ in range(rng.randint(2, 14)):
        out.append(rng.choice(WORDS))
        out.append(rng.choice([" ", " ", " ", "  ", "\n", ", "]))
    return "".join(out)


def _full_scan(store, phrases: list[str], excluded: list[str] = ()) -> list[str]:
    """The matching ids by ILIKE on every row (no index), newest first."""
    conds, params = [], []
    for text, negate in [(p, "") for p in phrases] + [(p, "NOT ") for p in excluded]:
        pattern = "%" + escape_like(text) + "%"
        conds.append(f"{negate}(prompt ILIKE %s ESCAPE '\\' OR result_text ILIKE %s ESCAPE '\\')")
        params += [pattern, pattern]
    with store.pool.connection() as con, con.transaction():
        con.execute("SET LOCAL enable_indexscan = off")
        con.execute("SET LOCAL enable_bitmapscan = off")
        return [r[0] for r in con.execute(f"SELECT id FROM generations WHERE {' AND '.join(conds)} "
                                          "ORDER BY created_utc DESC, id DESC", params)]


@pytest.fixture
def store(pg_schema):
    store = open_store(pg_schema)
    yield store
    store.close()


def _random_records(n: int, seed: int) -> list:
    rng = random.Random(seed)
    return [record(_text(rng), status=COMPLETE, minutes=rng.randint(0, 50_000), result_text=_text(rng))
            for _ in range(n)]


def test_phrase_pages_equal_a_full_scan_ilike(store):
    _bulk(store, _random_records(600, seed=3))
    for phrase in PHRASES:
        expected = _full_scan(store, [phrase])
        assert expected, phrase  # the data holds every phrase somewhere
        assert _walk(store, Filters(q=f'"{phrase}"'), size=7) == expected, phrase
    both = _full_scan(store, ["taku suzama", "école"], excluded=["q taku"])
    assert _walk(store, Filters(q='"taku suzama" école -"q taku"'), size=5) == both


def test_a_pending_rows_phrase_is_found_though_the_pairs_index_leaves_it_out(store):
    """The pairs index holds no pending row (migration 16: off the time-to-first-token path); such a
    row, just started, must still be found by a phrase of its prompt, and walked in its place."""
    _bulk(store, _random_records(60, seed=4))
    pending = record("please taku suzama now", status=PENDING, minutes=60_000)
    _bulk(store, [pending])
    found = _walk(store, Filters(q='"taku suzama"'), size=4)
    assert found == _full_scan(store, ["taku suzama"]) and found[0] == pending.id


def test_a_phrase_is_narrowed_by_the_partial_pairs_index_not_its_trigrams(store):
    """The phrase condition must name the index's predicate (status <> 'pending'): without it the
    planner can't use a partial index. And the phrase's ILIKE must not be one a trigram index serves:
    the planner can't estimate the partial index and chose the trigrams (at 100k rows 18 ms, not 4:
    each trigram candidate rechecked and its pairs computed)."""
    from genlib.backends.postgres.where import where_clause

    _bulk(store, _random_records(200, seed=5))
    where, params = where_clause(Filters(q='"taku suzama"'))

    def plan(con) -> str:
        return "\n".join(r[0] for r in con.execute(f"EXPLAIN SELECT id FROM generations {where}", params))

    with store.pool.connection() as con, con.transaction(force_rollback=True):
        con.execute("SET LOCAL enable_seqscan = off")  # a tiny table: ask whether an index *can* serve it
        assert "generations_pairs_sent" in plan(con)
        con.execute("DROP INDEX generations_pairs_sent")  # rolled back: with the pairs out of the way,
        assert "_day_trgm" not in plan(con)  # the trigrams still may not serve the phrase
    where, params = where_clause(Filters(q='taku suzama'))  # words, not a phrase: the trigrams serve them
    with store.pool.connection() as con, con.transaction():
        con.execute("SET LOCAL enable_seqscan = off")
        assert "_day_trgm" in plan(con)
