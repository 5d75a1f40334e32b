"""Generation ids: 21-character nanoids, made before anything is sent to a provider.

`looks_like_id` is the gate every id from outside (URL, CLI, API) passes before it reaches
a query: anything else is simply "not found". New ids never start with "-": a spreadsheet reads a
leading "-" as a formula, so a CSV export would have to quote it ("'-abc…") and the exported id would
no longer paste into `?id=` or the CLI. Older ids that do are still accepted everywhere.
"""
from __future__ import annotations

import re

from nanoid import generate

ID_LENGTH = 21
_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{21}")


def new_id() -> str:
    while True:  # one draw in 64 starts with "-": drawn again
        value = generate(size=ID_LENGTH)
        if not value.startswith("-"):
            return value


def looks_like_id(value: object) -> bool:
    return isinstance(value, str) and _ID_PATTERN.fullmatch(value) is not None
