"""The exceptions genlib raises on purpose; each carries a message fit to show a user."""
from __future__ import annotations


RECOVERY_HINT = ("Restore the file from a backup (or move it aside to start afresh), and run "
                 "`python -m genlib doctor` to check the data dir.")


def first_line(exc: BaseException, limit: int = 240) -> str:
    """A library error's first line, cut to `limit` characters: messages shown to users are one line."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    return text if len(text) <= limit else text[:limit - 1] + "…"


class GenlibError(Exception):
    """Base class: `str(err)` is a readable, user-facing sentence."""


class BadRequest(GenlibError):
    """The request itself is unusable (empty prompt, unknown kind, bad parameter)."""


class StorageUnavailable(GenlibError):
    """The data dir or database can't be written; raised before any provider call."""


class DatabaseLocked(StorageUnavailable):
    """Another process holds the DuckDB file (DuckDB allows one process per file)."""

    def __init__(self, path: str, pid: int | None):
        who = f"process {pid}" if pid else "another process"
        super().__init__(f"The database {path} is in use by {who} (is the app running?). "
                         "Stop it or point GENLIB_DATA_DIR elsewhere.")
        self.pid = pid


class NotFound(GenlibError):
    """No generation with that id (or not one this user may see)."""


class BudgetExceeded(GenlibError):
    """A spend budget (or the budgets file) refuses this generation; raised before any provider call."""


class RateLimited(GenlibError):
    """The user started too many generations in the last minute; raised before any provider call."""
