"""What the search index keeps of a record: filter columns, its text, facet pieces, the row checks.

A facet is one 3-character piece of private-use characters per filter value (column kind, then
22 bits of a hash of the value), indexed in its own FTS5 column, so that a filter narrows rows in
the same lookup as the text's pieces. A hash may collide: the plan re-checks the columns in `docs`.
The prompt and answer are kept as plain text: candidates are checked with SQLite's LIKE, in place
(zlib made the index ~1.7x smaller but each check ~4.7x slower, see docs/PERFORMANCE.md).
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from .query import fold

FIELDS = ("id", "created_utc", "user_id", "status", "kind", "model_requested", "model_used", "prompt",
          "result_text")
FACETS = ("f_user", "f_status", "f_kind", "f_model_requested", "f_model_used")
_FACET_KIND = {"user_id": 0, "status": 1, "kind": 2, "model": 3}  # both model columns: one kind
_EPOCH = datetime(1970, 1, 1)
# Best match: BM25's saturation and length terms over real term counts (FTS5's bm25 sees none with
# detail=none), with a match in the prompt (what was asked) worth PROMPT_WEIGHT in the answer.
K1, B, AVG_CHARS, PROMPT_WEIGHT = 1.2, 0.75, 1500, 3


def row_of(gen) -> tuple:
    """What the index keeps of a record (a Generation or anything with those attributes)."""
    return tuple(getattr(gen, name) for name in FIELDS)


def micros(created: datetime) -> int:
    return (created - _EPOCH) // timedelta(microseconds=1)


def facet(column: str, value: str | None) -> str:
    """The piece standing for `column = value` (column: user_id, status, kind or model)."""
    digest = zlib.crc32((value or "").encode())
    return chr(0xE000 + _FACET_KIND[column]) + chr(0xE100 + (digest & 0x7FF)) + chr(0xE900 + (digest >> 11 & 0x7FF))


def contains(haystack: str | None, needle: str) -> bool:
    """SQL `gv_contains(text, term)`: the check for a non-ASCII term, case-insensitive for any Unicode."""
    return bool(haystack) and fold(needle) in fold(haystack)


def text_score(prompt: str, answer: str, *pairs) -> float:
    """SQL `gv_score(prompt, answer, '+term', weight, '-term', 0, ...)`: 0 unless the text holds every
    wanted term and no excluded one, else sum(weight * BM25 term frequency part) over the wanted terms."""
    prompt, answer = fold(prompt or ""), fold(answer or "")
    norm = K1 * (1 - B + B * (len(prompt) + len(answer)) / AVG_CHARS)
    score = 0.0
    for term, weight in zip(pairs[::2], pairs[1::2]):
        needle, wanted = term[1:], term[0] == "+"
        count = PROMPT_WEIGHT * prompt.count(needle) + answer.count(needle)
        if (count > 0) != wanted:
            return 0.0
        if wanted:
            score += weight * count * (K1 + 1) / (count + norm)
    return score


@dataclass
class Doc:
    rowid: int | None
    id: str
    created: int  # microseconds since 1970
    user_id: str | None
    status: str | None
    kind: str | None
    model_requested: str | None
    model_used: str | None
    prompt: str
    result_text: str

    @classmethod
    def of(cls, row: tuple) -> Doc:
        gen_id, created, user, status, kind, requested, used, prompt, text = row
        return cls(None, gen_id, micros(created), user, status, kind, requested, used, prompt or "", text or "")

    def columns(self) -> tuple:
        return (self.rowid, self.id, self.created, self.user_id, self.status, self.kind, self.model_requested,
                self.model_used, self.prompt, self.result_text)

    def same_as(self, other: Doc) -> bool:
        return self.columns()[1:] == other.columns()[1:]

    def fts_values(self) -> tuple:
        return (self.rowid, self.prompt, self.result_text, facet("user_id", self.user_id),
                facet("status", self.status), facet("kind", self.kind), facet("model", self.model_requested),
                facet("model", self.model_used))
