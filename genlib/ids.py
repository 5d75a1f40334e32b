"""Generation ids: 21-character nanoids, made before anything is sent to a provider.

`looks_like_id` is the gate every id from outside (URL, CLI, API) passes before it reaches
a query: anything else is simply "not found".
"""
from __future__ import annotations

import re

from nanoid import generate

ID_LENGTH = 21
_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{21}")


def new_id() -> str:
    return generate(size=ID_LENGTH)


def looks_like_id(value: object) -> bool:
    return isinstance(value, str) and _ID_PATTERN.fullmatch(value) is not None
