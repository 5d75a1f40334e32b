"""Why a row matched: a short passage around the first match, as (text, matched) segments.

Plain text only: the caller decides how to show a matched segment (bold in Markdown after escaping,
markers in a grid cell), so nothing from a record is ever interpreted as markup here.
"""
from __future__ import annotations

import re

from ..records import Generation
from .query import Query

WIDTH = 160
LEAD = 50
Segments = list[tuple[str, bool]]


def snippet(gen: Generation, query: Query, width: int = WIDTH) -> Segments:
    """The passage of the prompt (else the answer) around the first wanted term; [] if none."""
    pattern = _pattern(query)
    if pattern is None:
        return []
    for text in (gen.prompt or "", gen.result_text or ""):
        found = pattern.search(text)
        if found:
            start = max(0, found.start() - LEAD)
            end = max(start + width, found.end())
            window = " ".join(text[start:end].split())
            segments = split(window, pattern)
            if start > 0:
                segments.insert(0, ("…", False))
            if end < len(text):
                segments.append(("…", False))
            return segments
    return []


def split(text: str, pattern: re.Pattern) -> Segments:
    segments, at = [], 0
    for found in pattern.finditer(text):
        if found.start() > at:
            segments.append((text[at:found.start()], False))
        segments.append((found.group(), True))
        at = found.end()
    if at < len(text):
        segments.append((text[at:], False))
    return segments


def _pattern(query: Query) -> re.Pattern | None:
    terms = sorted({t.text for t in query.wanted}, key=len, reverse=True)  # longest first
    if not terms:
        return None
    return re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
