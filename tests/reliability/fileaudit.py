"""Which files Python opens while bad input is fed in, from the interpreter's "open" audit events.

`watch_files()` collects (path, writing) for every open in any thread of this process (workers and
the persister included); `outside(events, root)` lists those that left the data dir. DuckDB's own
file access is C++ and not seen here; it only ever opens the database path it was given.
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_sink: list | None = None


def _hook(event: str, args: tuple) -> None:
    if event != "open" or _sink is None:
        return
    path, mode, flags = args
    if isinstance(path, int):  # an already open descriptor
        return
    writing = any(c in mode for c in "wax+") if isinstance(mode, str) else bool((flags or 0) & _WRITE_FLAGS)
    _sink.append((os.fsdecode(path), writing))


sys.addaudithook(_hook)  # once per process: audit hooks can't be removed, so this one is switchable


@contextmanager
def watch_files():
    global _sink
    events: list[tuple[str, bool]] = []
    _sink = events
    try:
        yield events
    finally:
        _sink = None


def writes_outside(events: list[tuple[str, bool]], root: Path) -> list[str]:
    root = Path(root).resolve()
    return [p for p, writing in events if writing and not Path(p).resolve().is_relative_to(root)]


def opened(events: list[tuple[str, bool]], target: Path) -> bool:
    target = Path(target).resolve()
    return any(Path(p).resolve() == target for p, _ in events)
