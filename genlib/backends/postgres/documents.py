"""The budgets and prices files, kept in the database when there is one (`settings_documents`).

Each is the same TOML text the embedded default keeps in a file (so parsing, comment-preserving
edits and import/export stay as they are), with a revision number. A replica polls `revision`
(one primary-key read) every few seconds and re-reads the text only when it moved, so an admin's
edit on one replica holds on every replica within the poll interval. `write` is a compare-and-set
on the revision it read: two admins editing at once can't silently overwrite each other.
"""
from __future__ import annotations

from ...errors import GenlibError
from .pool import connection

NAMES = ("budgets", "prices")


class EditConflict(GenlibError):
    """Someone else saved the document since it was read; read it again and redo the edit."""


class SettingsDocuments:
    def __init__(self, pool):
        self.pool = pool

    def read(self, name: str) -> tuple[str, int] | None:
        """(TOML text, revision), or None when it was never saved."""
        with connection(self.pool) as con:
            row = con.execute("SELECT body, revision FROM settings_documents WHERE name = %s",
                              (_check(name),)).fetchone()
        return (row[0], row[1]) if row else None

    def revision(self, name: str) -> int:
        """0 when never saved; the cheap read replicas poll."""
        with connection(self.pool) as con:
            row = con.execute("SELECT revision FROM settings_documents WHERE name = %s", (_check(name),)).fetchone()
        return row[0] if row else 0

    def write(self, name: str, body: str, read_revision: int, by: str | None = None) -> int:
        """Save `body` if the document is still at `read_revision` (0: never saved); the new revision.
        Raises EditConflict otherwise."""
        with connection(self.pool) as con:
            if read_revision == 0:
                row = con.execute("INSERT INTO settings_documents (name, body, revision, updated_by) "
                                  "VALUES (%s, %s, 1, %s) ON CONFLICT (name) DO NOTHING RETURNING revision",
                                  (_check(name), body, by)).fetchone()
            else:
                row = con.execute("UPDATE settings_documents SET body = %s, revision = revision + 1, "
                                  "updated_at = now(), updated_by = %s WHERE name = %s AND revision = %s "
                                  "RETURNING revision",
                                  (body, by, _check(name), read_revision)).fetchone()
        if row is None:
            raise EditConflict(f"The {name} were changed by someone else meanwhile: reload them and edit again.")
        return row[0]


def _check(name: str) -> str:
    if name not in NAMES:
        raise ValueError(f"unknown settings document {name!r}")
    return name
