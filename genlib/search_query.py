"""The History search language: words (all must match), "quoted phrases", -excluded terms.

Every term is a case-insensitive substring of the prompt or the answer (part of an identifier or a
number finds it, as before). `parse` never fails: an unclosed quote runs to the end, a lone "-" is
ignored. The index narrows rows by the trigrams of wanted terms of 3+ characters; every term is
then checked on those candidates (`contains`), which also handles shorter and excluded terms.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MIN_INDEXED_CHARS = 3  # the trigram tokenizer can only look up substrings this long
MAX_TRIGRAMS = 12  # enough to make a long phrase's candidates few; the row check does the rest
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


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


def trigrams(term: Term, most: int = MAX_TRIGRAMS) -> list[str]:
    """The term's distinct 3-character pieces (case-folded), at most `most`, spread along it."""
    text = term.text.casefold()
    pieces = list(dict.fromkeys(text[i:i + MIN_INDEXED_CHARS] for i in range(len(text) - MIN_INDEXED_CHARS + 1)))
    if len(pieces) > most:
        step = len(pieces) / most
        pieces = [pieces[int(i * step)] for i in range(most)] + [pieces[-1]]
    return pieces


def fts_match(query: Query) -> str | None:
    """The MATCH expression that narrows rows to candidates: every trigram of every indexed wanted
    term (the index keeps no positions, so each candidate is then checked with `contains`). None
    when no wanted term is long enough. A bound parameter, never SQL text."""
    pieces = dict.fromkeys(p for t in query.wanted if t.indexed for p in trigrams(t))
    return " AND ".join('"' + p.replace('"', '""') + '"' for p in pieces) or None


def contains(haystack: str | None, needle: str) -> bool:
    """The row-by-row check for short terms: case-insensitive for any Unicode text."""
    return bool(haystack) and needle.casefold() in haystack.casefold()
