"""The History search language: words (all must match), "quoted phrases", -excluded terms.

Every term is a case-insensitive substring of the prompt or the answer (part of an identifier or a
number finds it, as before). `parse` never fails: an unclosed quote runs to the end, an empty phrase
is dropped, a lone "-" is searched for as itself. The index narrows rows by the trigrams of wanted
terms of 3+ characters; every term is then checked on those candidates against their text (LIKE,
or `rows.contains` for non-ASCII terms), which also handles shorter and excluded terms.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable

MIN_INDEXED_CHARS = 3  # the trigram tokenizer can only look up substrings this long
MAX_TRIGRAMS = 4  # each more costs a doclist walk; four make the candidates few, the row check does the rest
RANKED_PIECES = 24  # a long phrase's pieces whose frequency is looked up (each lookup ~0.2 ms)
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def fold(text: str) -> str:
    """Case folding as the index does it, one character to one: "Straße" -> "straße", "ΟΔΟΣ" ->
    "οδοσ". The index narrows by the pieces of a folded term and every check compares folded texts,
    so a row the check accepts always holds the pieces (with full folding, "straße" looked for
    "strasse"'s pieces, which no indexed "Straße" holds)."""
    if not _long_folds().search(text):
        return text.casefold()
    return "".join(map(_fold_char, text))


def _fold_char(c: str) -> str:
    folded = c.casefold()
    if len(folded) == 1:
        return folded
    lowered = c.lower()  # "ß" stays "ß", "ẞ" becomes "ß"; "İ" (no one-character form) stays
    return lowered if len(lowered) == 1 else c


@functools.cache
def _long_folds() -> re.Pattern:
    """Characters whose full case folding is longer than one ("ß" -> "ss", "ﬁ" -> "fi"): all in the
    Basic Multilingual Plane. Built on first use (~10 ms), not at import."""
    chars = "".join(c for c in map(chr, range(0x10000)) if len(c.casefold()) > 1)
    return re.compile(f"[{re.escape(chars)}]")


@dataclass(frozen=True)
class Term:
    text: str
    excluded: bool = False
    phrase: bool = False

    @property
    def indexed(self) -> bool:
        return len(self.text) >= MIN_INDEXED_CHARS


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...] = ()

    @property
    def wanted(self) -> list[Term]:
        return [t for t in self.terms if not t.excluded]

    @property
    def excluded(self) -> list[Term]:
        return [t for t in self.terms if t.excluded]

    def __bool__(self) -> bool:
        return bool(self.terms)


def parse(text: str | None) -> Query:
    """The terms of a search box's text, in order, without duplicates."""
    terms: list[Term] = []
    for match in _TOKEN.finditer(text or ""):
        minus, quoted, word = match.groups()
        if word is not None:
            excluded = word.startswith("-") and len(word) > 1
            term = Term(word[1:] if excluded else word, excluded=excluded)
        else:
            term = Term(" ".join(quoted.split()), excluded=bool(minus), phrase=True)
        if term.text and term not in terms:
            terms.append(term)
    return Query(tuple(terms))


def trigrams(term: Term, most: int = MAX_TRIGRAMS, rows_with: Callable[[str], int] | None = None,
             common: int | None = None) -> list[str]:
    """Up to `most` distinct 3-character pieces of the term (case-folded). With `rows_with` (how
    many of a sample of rows hold a piece), the rarest ones: the fewer rows, the fewer candidates;
    pieces held by more than `common` rows are left out after the rarest (their long doclists cost
    more to walk than the few candidates they rule out). Without, pieces spread along the term, those
    without spaces or punctuation first (pieces across word boundaries are in most rows)."""
    text = fold(term.text)
    pieces = list(dict.fromkeys(text[i:i + MIN_INDEXED_CHARS] for i in range(len(text) - MIN_INDEXED_CHARS + 1)))
    inner = [p for p in pieces if p.isalnum()]
    pool = inner if len(inner) >= min(most, len(pieces)) else inner + [p for p in pieces if not p.isalnum()]
    if rows_with is not None and pool:
        counts = {p: rows_with(p) for p in pool[:RANKED_PIECES]}
        ranked = sorted(counts, key=counts.get)[:most]
        return ranked[:1] + [p for p in ranked[1:] if common is None or counts[p] <= common]
    if len(pool) <= most:
        return pool
    step = (len(pool) - 1) / (most - 1)
    return [pool[round(i * step)] for i in range(most)]


def fts_string(piece: str) -> str:
    return '"' + piece.replace('"', '""') + '"'


def fts_match(query: Query, rows_with: Callable[[str], int] | None = None, common: int | None = None) -> str | None:
    """The MATCH expression that narrows rows to candidates: a few trigrams of every indexed wanted
    term (the index keeps no positions, so each candidate is then checked against the text). None
    when no wanted term is long enough. A bound parameter, never SQL text."""
    pieces = dict.fromkeys(p for t in query.wanted if t.indexed for p in trigrams(t, rows_with=rows_with,
                                                                                   common=common))
    return " AND ".join(fts_string(p) for p in pieces) or None
