"""The search language, snippets and page cursors (pure functions, no database)."""
from datetime import datetime

import pytest

from genlib import BadRequest, Generation
from genlib.filters import make_cursor, parse_cursor
from genlib.search.query import Term, fts_match, parse, trigrams
from genlib.search.rows import contains
from genlib.search.snippets import snippet


def test_words_phrases_and_exclusions():
    query = parse('alpha "a quoted  phrase" -beta -"not this" x')
    assert query.terms == (Term("alpha"), Term("a quoted phrase", phrase=True), Term("beta", excluded=True),
                           Term("not this", excluded=True, phrase=True), Term("x"))
    assert [t.text for t in query.wanted] == ["alpha", "a quoted phrase", "x"]


def test_odd_input_never_fails():
    assert parse('"unclosed quote').terms == (Term("unclosed quote", phrase=True),)
    assert not parse("   ")
    assert parse('"" -').terms == (Term("-"),)  # an empty phrase is dropped; a lone "-" is a word
    assert parse("dup dup").terms == (Term("dup"),)


def test_match_uses_trigrams_of_long_wanted_terms_only():
    query = parse('Hello ab -excluded')
    assert fts_match(query) == '"hel" AND "ell" AND "llo"'
    assert fts_match(parse("ab -long")) is None
    assert fts_match(parse('say "x"')) == '"say"'


def test_quotes_in_terms_stay_inside_the_match_string():
    assert fts_match(parse('a"b"c')) is not None
    assert all(p.count('"') == 0 or '""' in p for p in fts_match(parse('x"yz')).split(" AND "))


def test_long_terms_are_sampled():
    assert trigrams(Term("abcdefghijklmnopqrstuvwxyz0123456789")) == ["abc", "lmn", "wxy", "789"]
    assert trigrams(Term("taku suzama")) == ["tak", "suz", "uza", "ama"]  # no piece across the space
    assert trigrams(Term("a b c")) == ["a b", " b ", "b c"]


def test_contains_is_case_insensitive_for_any_unicode():
    assert contains("Straße ÉTÉ", "été") and contains("ΣΊΣΥΦΟΣ", "σίσυφος")
    assert not contains(None, "a") and not contains("abc", "abd")


def test_snippet_marks_matches_as_plain_segments():
    gen = Generation(id="x", kind="text", user_id="u", model_requested="m", prompt="short prompt",
                     status="complete", created_utc=datetime(2026, 1, 1),
                     result_text="lead " * 30 + "the **Needle** and needle" + " tail" * 40)
    segments = snippet(gen, parse("needle"))
    assert segments[0] == ("…", False) and segments[-1] == ("…", False)
    assert [text for text, hit in segments if hit] == ["Needle", "needle"]
    assert "**" in "".join(text for text, _ in segments)  # the record's own markup is kept as text
    assert snippet(gen, parse("-needle")) == []


def test_cursor_round_trip_and_bad_values():
    when = datetime(2026, 11, 30, 14, 0, 0, 123456)
    assert parse_cursor(make_cursor(when, "abc_-1")) == (when, "abc_-1")
    assert parse_cursor(None) is None
    for bad in ("yesterday,abc", "2026-11-30T14:00:00", "2026-11-30T14:00:00+02:00,abc"):
        with pytest.raises(BadRequest):
            parse_cursor(bad)
