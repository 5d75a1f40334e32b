"""Phrase pieces: what lets a quoted phrase narrow to the rows holding its words side by side.

The trigram index keeps no positions, so "foo bar" alone narrows only to rows holding both words
anywhere. The 7 characters around every space of a record's case-folded prompt and answer (3 before,
3 after) are indexed as one word each in `phrase_index`: 8 hex digits of a CRC-32 of the window (a
table of its own with the ascii tokenizer, so each window is one token; in the trigram table every
piece would also add two straddling ones). A phrase with such a window around a space (3+
characters on both sides) is in a row only if the row holds that word: a necessary condition; the
text check decides (a hash may collide).
"""
from __future__ import annotations

import re
import zlib

MAX_QUERY_PIECES = 2  # per phrase: each narrows as much as its two words side by side
_WINDOW = re.compile(r"(?=(.{3} .{3}))", re.S)  # overlapping: every space with 3 characters each side


def windows(text: str) -> list[str]:
    """The distinct 7-character windows around the spaces of `text` (case-folded), in text order."""
    return list(dict.fromkeys(_WINDOW.findall(text.casefold())))


def _words(found) -> list[str]:
    return list(map("{:08x}".format, map(zlib.crc32, map(str.encode, found))))


def phrase_pieces(*texts: str) -> str:
    """The phrase_index text of a record. Deterministic (windows in text order): a contentless FTS5
    row is deleted by giving back exactly what was indexed."""
    return " ".join(_words(dict.fromkeys(w for text in texts for w in windows(text or ""))))


def query_pieces(phrase: str) -> list[str]:
    """Words every row holding `phrase` holds (its first and last window); [] when no space has 3
    characters on both sides."""
    found = windows(phrase)
    return _words(found if len(found) <= MAX_QUERY_PIECES else [found[0], found[-1]])
