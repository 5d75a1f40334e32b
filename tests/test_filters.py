"""URL query parameters become filters; bad values are ignored with a message, never an error."""
from __future__ import annotations

from datetime import date

import pytest

from genlib.backends.duckdb.where import where_clause
from genlib.filters import Filters, clamp_page


def test_round_trip_through_the_url():
    filters, problems = Filters.from_query({"q": "duckdb", "model": "gpt-4o-mini", "status": "complete",
                                            "kind": "text", "user": "ana", "from": "2026-11-01", "to": "2026-11-30"})
    assert problems == []
    assert Filters.from_query(filters.to_query())[0] == filters


@pytest.mark.parametrize("params, message", [
    ({"status": "exploded"}, "Unknown status"),
    ({"kind": "video"}, "Unknown kind"),
    ({"from": "yesterday"}, "not a date"),
    ({"to": "2026-13-45"}, "not a date"),
])
def test_bad_values_are_dropped_with_a_message(params, message):
    filters, problems = Filters.from_query(params)
    assert filters == Filters() and message in problems[0]


def test_an_inverted_date_range_is_swapped():
    filters, problems = Filters.from_query({"from": "2026-11-30", "to": "2026-11-01"})
    assert (filters.date_from, filters.date_to) == (date(2026, 11, 1), date(2026, 11, 30))
    assert "inverted" in problems[0]


def test_user_input_only_ever_becomes_parameters():
    nasty = "'; DROP TABLE generations; --"
    sql, params = where_clause(Filters(q=nasty, model=nasty, user_id=nasty))
    assert nasty not in sql and "drop table" not in sql.lower()
    assert params.count(nasty) == 4  # model x2, user (id or email) x2
    for word in nasty.split()[:-1]:  # each search word is a pattern, for the prompt and the answer ("--" excludes "-")
        assert params.count(f"%{word}%") == 2
    _, params = where_clause(Filters(q=f'"{nasty}"'))
    assert params == [f"%{nasty}%"] * 2


@pytest.mark.parametrize("page, size, expected", [
    (1, 50, (1, 50)), (-5, 0, (1, 1)), ("x", "y", (1, 50)), (10**12, 10**9, (1_000_000, 500)),
])
def test_absurd_paging_is_clamped(page, size, expected):
    assert clamp_page(page, size) == expected


def test_search_terms_match_literally_and_ignore_case(vault):
    from genlib import GenerationRequest
    for prompt in ("Growth was 50% in Q3", "growth was 50 in q3", "snake_case names", "snakeXcase names"):
        vault.wait(vault.start(GenerationRequest(prompt, "gpt-4o-mini"), user_id="ana"), timeout=10)
    assert [g.prompt for g in vault.search(Filters(q="50%")).items] == ["Growth was 50% in Q3"]
    assert [g.prompt for g in vault.search(Filters(q="SNAKE_CASE")).items] == ["snake_case names"]
