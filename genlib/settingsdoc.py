"""The budgets and prices documents: TOML text with a version, wherever they are kept.

The embedded default keeps each in a file (`FileDocument` reads it, re-read when it changes, one
stat per call); a team deployment keeps them in the database (the `SettingsStore` role in
backends/base.py). Either way a reader gets a `SettingsDocument`, and an edit names the version it
started from, so two admins' edits can't silently overwrite each other (`EditConflict`).
"""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .errors import GenlibError
from .filestamp import file_stamp

BUDGETS, PRICES = "budgets", "prices"
NAMES = (BUDGETS, PRICES)


class EditConflict(GenlibError):
    """Someone else saved the document since it was read: nothing was written."""


@dataclass(frozen=True)
class SettingsDocument:
    name: str  # BUDGETS or PRICES
    text: str | None  # the TOML; None when it was never saved (no file, no row)
    version: str  # opaque; "" when never saved; changes with every save
    where: str  # for messages, after "the": "budgets file /srv/budgets.toml", "budgets in the database (…)"
    updated_at: datetime | None = None
    updated_by: str | None = None  # who saved it (None: unknown, e.g. a file edited by hand)
    path: Path | None = None  # the file, for a file-kept document

    def conflict(self, name: str | None = None) -> EditConflict:
        """The message for an edit that started from an older version than this one."""
        who = f" by {self.updated_by}" if self.updated_by else ""
        when = f" at {self.updated_at:%Y-%m-%d %H:%M:%S} UTC" if self.updated_at else ""
        return EditConflict(f"The {name or self.name} were changed{who}{when} since you opened them, so your "
                            "edit was not saved (nothing is lost: the newer version stays). Look at the "
                            "current version and make your change again.")


def check_name(name: str) -> str:
    if name not in NAMES:
        raise ValueError(f"unknown settings document {name!r} (known: {', '.join(NAMES)})")
    return name


def text_version(text: str | None) -> str:
    """A file's version: a digest of its text (so a rewrite with the same size and mtime tick still
    counts as a change, and rewriting the same text does not)."""
    return "" if text is None else hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class FileDocument:
    """One document kept in a file: `current()` is one stat, and a read only when the file changed."""

    def __init__(self, name: str, path: Path):
        self.name, self.path = check_name(name), Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple | None = ()  # () = never read
        self._doc = self._missing()

    def current(self) -> SettingsDocument:
        stamp = file_stamp(self.path)
        if stamp != self._stamp:
            with self._lock:
                self._doc, self._stamp = self.read(), stamp
        return self._doc

    def read(self) -> SettingsDocument:
        """Fresh from disk. A file that can't be read or decoded raises (OSError, UnicodeDecodeError):
        the reader keeps its last good version."""
        try:
            raw = self.path.read_bytes()
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            return self._missing()
        text = raw.decode("utf-8")
        return SettingsDocument(self.name, text, text_version(text), self._where(), path=self.path,
                                updated_at=datetime.fromtimestamp(mtime, timezone.utc).replace(tzinfo=None))

    def _missing(self) -> SettingsDocument:
        return SettingsDocument(self.name, None, "", self._where(), path=self.path)

    def _where(self) -> str:
        return f"{self.name} file {self.path}"
