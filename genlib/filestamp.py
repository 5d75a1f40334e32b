"""When to re-read a user-edited file (prices, budgets): its identity, modification time and size.

The inode is part of it because editors and `os.replace` swap in a new file atomically.
"""
from __future__ import annotations

from pathlib import Path


def file_stamp(path: Path) -> tuple[int, int, int] | None:
    """(inode, mtime in ns, size), or None when the file can't be read."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size
