"""The live view's URL contract: its event stream and its two same-origin scripts.

Links are relative (`live/...`), like the file routes' (ui/fileurls.py), so they resolve under any
`server.baseUrlPath`. A script's URL carries its content hash, so browsers keep it until it changes.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

EVENTS = "live/events/{gen_id}"
SCRIPT = "live/live.js"
PAGE_SCRIPT = "live/page.js"
SCRIPTS = {"live.js": Path(__file__).with_name("live.js"), "page.js": Path(__file__).with_name("page.js")}


def events_href(gen_id: str) -> str:
    return EVENTS.format(gen_id=gen_id)


def script_href(path: str) -> str:
    """The script's URL with its content hash (no revalidation round trip before the live text)."""
    return f"{path}?v={script_version(path.rsplit('/', 1)[-1])}"


@lru_cache(maxsize=None)
def script_version(name: str) -> str:
    return hashlib.sha256(SCRIPTS[name].read_bytes()).hexdigest()[:12]
