"""Prompt templates with `{column}` placeholders: checked against the table's columns before anything runs.

`{{` and `}}` are literal braces. A placeholder names a column exactly (spaces and Unicode allowed,
`{product name}`); an unknown one is an error naming it and the columns there are. Nothing else is
interpreted (no format specs, no attribute access: `str.format` would let a template read objects).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import BadRequest

_PIECE = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


@dataclass(frozen=True)
class Template:
    text: str
    names: tuple[str, ...]

    def render(self, row: dict) -> str:
        def one(match: re.Match) -> str:
            if match.group(0) in ("{{", "}}"):
                return match.group(0)[0]
            return str(row.get(match.group(1), ""))
        return _PIECE.sub(one, self.text)


def parse(text: str, columns: list[str]) -> Template:
    """The template if every placeholder names a column; BadRequest otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("The prompt template is empty.")
    names = tuple(m.group(1) for m in _PIECE.finditer(text) if m.group(1) is not None)
    unknown = sorted({n for n in names if n not in columns})
    if unknown:
        shown = ", ".join("{" + n + "}" for n in unknown)
        have = ", ".join("{" + c + "}" for c in columns[:30]) + (" …" if len(columns) > 30 else "")
        raise BadRequest(f"Unknown placeholder{'s' if len(unknown) > 1 else ''} {shown}: the table's columns "
                         f"are {have}. Write {{{{ and }}}} for literal braces.")
    stray = _PIECE.sub("", text)
    if "{" in stray or "}" in stray:
        raise BadRequest("The template has an unmatched { or }: write {{ and }} for literal braces.")
    return Template(text, names)
