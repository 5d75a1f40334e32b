"""The embedded SettingsStore: the budgets and prices TOML files, exactly as without it.

The files are what admins edit by hand; a save replaces one atomically (readers see the old file or
the new one), under an exclusive lock on a side file `.<name>.lock`, so an app and a CLI import on
the same machine take turns, and only if the file still has the version the edit started from.
A file's version is a digest of its text (`settingsdoc.text_version`); who saved it is not kept.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path

from ...settingsdoc import BUDGETS, PRICES, FileDocument, SettingsDocument, check_name

try:
    import fcntl
except ImportError:  # Windows: the thread lock alone (one process per data dir there)
    fcntl = None


class FileSettings:
    def __init__(self, budgets_path: Path, prices_path: Path):
        self._docs = {BUDGETS: FileDocument(BUDGETS, budgets_path), PRICES: FileDocument(PRICES, prices_path)}
        self._lock = threading.Lock()

    def current(self, name: str) -> SettingsDocument:
        return self._docs[check_name(name)].current()

    def read(self, name: str) -> SettingsDocument:
        return self._docs[check_name(name)].read()

    def write(self, name: str, text: str, expected_version: str, by: str | None = None) -> SettingsDocument:
        doc = self._docs[check_name(name)]
        with self._lock, _file_lock(doc.path):
            now = doc.read()
            if now.version != expected_version:
                raise now.conflict()
            doc.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = doc.path.with_name(f".{doc.path.name}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, doc.path)  # readers see the old file or the new one, never half of it
            return doc.read()

    def close(self) -> None:
        pass  # nothing held open


@contextmanager
def _file_lock(path: Path):
    if fcntl is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
