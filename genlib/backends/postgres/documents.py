"""The SettingsStore on PostgreSQL: the budgets and prices documents in `settings_documents`.

Each is the same TOML text the embedded default keeps in a file (so parsing, comment-preserving
edits and import/export stay as they are), with a revision number. Every replica keeps the
documents in memory and a daemon thread polls the revisions (one indexed read of two rows) every
`poll_s`, re-reading a text only when its revision moved: an admin's edit on one replica holds on
every replica within `poll_s` (1 s; docs/DEPLOY.md says why polling, not LISTEN/NOTIFY). `write`
is a compare-and-set on the revision the edit started from, so two admins can't silently
overwrite each other. The database unreachable: the last documents read stay in force.
"""
from __future__ import annotations

import logging
import threading
from datetime import timezone

from ...errors import StorageUnavailable
from ...settingsdoc import NAMES, SettingsDocument, check_name
from .pool import connection

log = logging.getLogger(__name__)
POLL_S = 1.0
WHERE = "{} in the database (shared by every replica)"
_COLUMNS = "body, revision, updated_at, updated_by"


class PostgresSettings:
    def __init__(self, pool, poll_s: float = POLL_S, owns_pool: bool = False):
        self.pool, self.poll_s, self._owns_pool = pool, poll_s, owns_pool
        self._docs = {name: self.read(name) for name in NAMES}  # at start: the database must answer
        self._stop, self._lock = threading.Event(), threading.Lock()
        self._failing = False
        self._thread = threading.Thread(target=self._poll_loop, name="genlib-settings-poll", daemon=True)
        self._thread.start()

    def current(self, name: str) -> SettingsDocument:
        """As of the last poll (at most `poll_s` old), or this replica's own last save."""
        return self._docs[check_name(name)]

    def read(self, name: str) -> SettingsDocument:
        with connection(self.pool) as con:
            row = con.execute("SELECT " + _COLUMNS + " FROM settings_documents WHERE name = %s",
                              (check_name(name),)).fetchone()
        return SettingsDocument(name, None, "", WHERE.format(name)) if row is None else _document(name, row)

    def write(self, name: str, text: str, expected_version: str, by: str | None = None) -> SettingsDocument:
        """Save `text` if the document is still at `expected_version` ("": never saved); EditConflict
        (naming who saved the newer one) otherwise."""
        check_name(name)
        with connection(self.pool) as con:
            if expected_version == "":
                row = con.execute("INSERT INTO settings_documents (name, body, revision, updated_by) "
                                  "VALUES (%s, %s, 1, %s) ON CONFLICT (name) DO NOTHING RETURNING " + _COLUMNS,
                                  (name, text, by)).fetchone()
            elif expected_version.isdigit():
                row = con.execute("UPDATE settings_documents SET body = %s, revision = revision + 1, "
                                  "updated_at = now(), updated_by = %s WHERE name = %s AND revision = %s "
                                  "RETURNING " + _COLUMNS, (text, by, name, int(expected_version))).fetchone()
            else:
                row = None  # a version from another kind of store (a file's digest) is never current
        if row is None:
            raise self.read(name).conflict()
        saved = _document(name, row)
        self._keep(saved)  # this replica sees its own edit at once
        return saved

    def poll(self) -> None:
        """Re-read the documents whose revision moved (one query when none did)."""
        with connection(self.pool) as con:
            seen = dict(con.execute("SELECT name, revision FROM settings_documents").fetchall())
        for name in NAMES:
            if str(seen.get(name, "")) != self._docs[name].version:
                self._keep(self.read(name))

    def _keep(self, doc: SettingsDocument) -> None:
        """Never step back to an older revision (a poll's read racing this replica's own save)."""
        with self._lock:
            held = self._docs[doc.name].version
            if doc.version == "" or not held or int(doc.version) >= int(held):
                self._docs[doc.name] = doc

    def close(self) -> None:
        self._stop.set()
        # Not the pool's whole timeout: a poll stuck on an unreachable database must not hold up a
        # shutdown (the thread is a daemon, and a failure after the stop is not logged).
        self._thread.join(timeout=2)
        if self._owns_pool:
            self.pool.close()

    def _poll_loop(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                self.poll()
                if self._failing:
                    log.warning("settings poll: the database answers again")
                self._failing = False
            except StorageUnavailable as exc:  # keep the last documents; say so once per outage
                if self._stop.is_set():
                    return
                if not self._failing:
                    log.warning("settings poll failed, the last budgets and prices stay in force: %s", exc)
                self._failing = True
            except Exception:  # noqa: BLE001 - the poll thread must outlive any one failure
                if self._stop.is_set():
                    return  # the pool was closed under it at shutdown
                log.exception("settings poll failed")


def _document(name: str, row) -> SettingsDocument:
    body, revision, at, by = row
    return SettingsDocument(name, body, str(revision), WHERE.format(name), at.astimezone(timezone.utc).replace(tzinfo=None), by)
