"""The search index's rows: rowid order is (created, id) order whatever order records arrive in,
filters narrow through facet pieces yet stay exact, dates are rowid ranges, renames re-index."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest

import genlib.search.plan as plan
import genlib.search.rows as rows
from genlib import Filters
from genlib.search.index import SearchIndex
from genlib.search.plan import search_index
from genlib.search.query import parse

START = datetime(2026, 11, 1, 9, 0)


def _row(n: int, created: datetime, user: str = "ana", status: str = "complete", model: str = "gpt-4o-mini",
         text: str = "") -> tuple:
    return (f"id{n:04d}", created, user, status, "text", model, model, f"prompt word{n:04d}x",
            text or f"common answer {n}")


def _ids(index, q: str = "", limit: int = 500, **filters) -> list[str]:
    return search_index(index, parse(q), Filters(q=q or None, **filters), None, limit).ids


def _postings(index, piece: str) -> int:
    return index.execute("SELECT count(*) FROM text_index WHERE text_index MATCH ?", [f'"{piece}"'])[0][0]


@pytest.fixture
def index(tmp_path):
    index = SearchIndex(tmp_path / "search.sqlite")
    yield index
    index.close()


def test_records_arriving_in_any_order_keep_newest_first_order_and_stay_findable(index):
    spread = [_row(n, START + timedelta(seconds=n)) for n in range(120)]
    same_moment = [_row(200 + n, START + timedelta(seconds=50, microseconds=1)) for n in range(40)]
    shuffled = spread + same_moment
    random.Random(5).shuffle(shuffled)
    index.append_fresh(sorted(spread[:30], key=lambda r: r[1]))  # a build's first batch
    at = 0
    while at < len(shuffled):  # then the writer's batches, out of order, many into one gap
        size = random.Random(at).randint(1, 7)
        index.upsert(shuffled[at:at + size])
        at += size
    index.upsert([same_moment[3][:7] + ("prompt changed", "answer changed")])  # a record re-indexed
    expected = [r[0] for r in sorted(spread + same_moment, key=lambda r: (r[1], r[0]))]
    assert [r[0] for r in index.execute("SELECT id FROM docs ORDER BY rowid", [])] == expected
    assert _ids(index) == expected[::-1]
    assert _ids(index, "common") == [i for i in expected[::-1] if i != "id0203"]
    for n in (0, 77, 205, 239):
        assert _ids(index, f"word{n:04d}x") == [f"id{n:04d}"]
    assert _ids(index, "changed") == ["id0203"]
    assert _postings(index, "com") == len(expected) - 1  # renumbered rows left no stale entries


def test_filters_narrow_through_facets_and_a_colliding_facet_never_widens_them(index, monkeypatch):
    index.upsert([_row(n, START + timedelta(minutes=n), user=f"u{n % 3}", status=("complete", "error")[n % 2],
                       model=("gpt-4o-mini", "o3-mini")[n % 5 == 0]) for n in range(30)])
    expected = {
        "status": [f"id{n:04d}" for n in range(29, -1, -1) if n % 2],
        "model": [f"id{n:04d}" for n in range(29, -1, -1) if n % 5 == 0],
        "user": [f"id{n:04d}" for n in range(29, -1, -1) if n % 3 == 1 and n % 2],
    }
    for collide in (False, True):
        if collide:  # every value of a column hashes to the same piece, at index and query time
            same = rows.facet
            monkeypatch.setattr(rows, "facet", lambda column, value: same(column, "x"))
            monkeypatch.setattr(plan, "facet", rows.facet)
            index.clear()
            index.upsert([_row(n, START + timedelta(minutes=n), user=f"u{n % 3}",
                               status=("complete", "error")[n % 2], model=("gpt-4o-mini", "o3-mini")[n % 5 == 0])
                          for n in range(30)])
        assert _ids(index, status="error") == expected["status"]
        assert _ids(index, "common", model="o3-mini") == expected["model"]
        assert _ids(index, "answer", status="error", visible_to="u1") == expected["user"]
        admin = search_index(index, parse(None), Filters(user_id="u1"), ["u1", "u2"], 500).ids
        assert admin == [f"id{n:04d}" for n in range(29, -1, -1) if n % 3]


def test_dates_are_rowid_ranges(index):
    index.upsert([_row(n, datetime(2026, 11, 1 + n, 12)) for n in range(5)])
    assert _ids(index, "common", date_from=date(2026, 11, 2), date_to=date(2026, 11, 3)) == ["id0002", "id0001"]
    assert _ids(index, date_from=date(2026, 11, 4)) == ["id0004", "id0003"]
    assert _ids(index, date_to=date(2026, 11, 1)) == ["id0000"]
    assert _ids(index, date_from=date(2026, 12, 1)) == []
    assert _ids(index, date_to=date(2026, 10, 1)) == []


def test_a_renamed_user_is_found_under_the_new_name_only(index):
    index.upsert([_row(n, START + timedelta(seconds=n), user=("legacy", "bob")[n % 2]) for n in range(6)])
    index.rename_user("legacy", "ana@example.com")
    assert _ids(index, "common", visible_to="ana@example.com") == ["id0004", "id0002", "id0000"]
    assert _ids(index, visible_to="legacy") == []
    assert _postings(index, "com") == 6


def test_best_match_ranks_by_how_often_and_where_the_terms_occur(index):
    filler = " ".join(f"filler{n}" for n in range(150))
    index.upsert([
        _row(1, START, text="a passing mention of zephyrine"),  # short: what a length-only rank put first
        _row(2, START + timedelta(seconds=1), text=f"zephyrine {filler} zephyrine again and zephyrine"),
        _row(3, START + timedelta(seconds=2), text=f"{filler} zephyrine once"),
        _row(4, START + timedelta(seconds=3), text="zephyrine but also excludedword"),
    ])
    index.upsert([_row(5, START + timedelta(seconds=4), text=f"{filler} zephyrine")[:7]
                  + ("about zephyrine: a question", f"{filler} zephyrine")])
    best = search_index(index, parse("zephyrine -excludedword"), Filters(q="zephyrine -excludedword"), None, 10,
                        order=plan.BEST)
    rank = {gen_id: n for n, gen_id in enumerate(best.ids)}
    assert set(rank) == {"id0001", "id0002", "id0003", "id0005"} and best.total == 4 and best.exact
    assert rank["id0002"] < rank["id0003"]  # same length, three mentions over one (a length-only rank: the reverse)
    assert rank["id0005"] < rank["id0003"]  # the same answer, but the question was about it too
    assert rank["id0001"] < rank["id0003"]  # one mention in a short answer over one in a long one


def _candidates(index, match: str) -> int:
    return index.execute("SELECT count(*) FROM phrase_index WHERE phrase_index MATCH ?", [match])[0][0]


def test_a_phrase_narrows_to_rows_holding_its_words_side_by_side_and_stays_a_substring_match(index):
    texts = ["Alpha bravo charlie", "bravo alpha charlie", "alpha  bravo", "xALPHA BRAVOx", "alpha\nbravo",
             "Grüne ÜBER Alles", "no words here"]
    index.upsert([_row(n, START + timedelta(seconds=n), text=t) for n, t in enumerate(texts)])
    assert _ids(index, '"alpha bravo"') == ["id0003", "id0000"]  # case-insensitive, inside longer words
    assert _ids(index, '"ha bra"') == ["id0003", "id0000"]  # too short around the space: words, then the text
    assert _ids(index, '"alpha bravo charlie"') == ["id0000"]
    assert _ids(index, '"grune über"') == [] and _ids(index, '"grüne über alles"') == ["id0005"]
    assert _ids(index, '"bravo alpha" charlie') == ["id0001"]
    assert _ids(index, 'alpha -"alpha bravo"') == ["id0004", "id0002", "id0001"]
    pieces = [plan.fts_string(p) for p in plan.query_pieces("alpha bravo")]
    assert pieces and _candidates(index, " AND ".join(pieces)) == 2  # the index itself narrows
    index.remove(["id0000", "id0003"])  # a contentless row is removed with exactly its pieces
    assert _candidates(index, " AND ".join(pieces)) == 0


def test_a_colliding_phrase_piece_never_widens_a_phrase(index, monkeypatch):
    import genlib.search.phrase as phrase
    monkeypatch.setattr(phrase, "_words", lambda found: ["same"] * len(found))  # every window hashes alike
    index.upsert([_row(n, START + timedelta(seconds=n), text=t) for n, t in
                  enumerate(["alpha bravo", "bravo alpha", "charlie delta"])])
    assert _ids(index, '"alpha bravo"') == ["id0000"]
    assert _ids(index, '"charlie delta"') == ["id0002"]


def test_words_whose_case_folding_changes_length_are_found_through_the_index(index):
    texts = ["Die Straße ist lang", "DIE STRAẞE", "die strasse", "ΟΔΟΣ ΜΑΚΡΥΣ", "οδός", "ﬁne print"]
    index.upsert([_row(n, START + timedelta(seconds=n), text=t) for n, t in enumerate(texts)])
    assert _ids(index, "straße") == ["id0001", "id0000"]  # "ß" and "ẞ" fold alike; "ss" is another spelling
    assert _ids(index, "STRASSE") == ["id0002"]  # an ASCII term: ASCII case-insensitive, as before
    assert _ids(index, '"die straße"') == ["id0001", "id0000"]
    assert _ids(index, "οδος") == ["id0003"]  # final sigma folds like sigma; the accented word is another
    assert _ids(index, "ﬁne") == ["id0005"]
    assert not search_index(index, parse("straße"), Filters(q="straße"), None, 50).limited  # the index narrowed
