"""History exports as files on the server, downloaded through the app's own route.

Streamlit's download button holds what it serves in memory, so a large export can't go through it.
Instead the filtered rows are written (in bounded memory, genlib's windowed export) under
`<data dir>/exports/<random id>/`, beside a note of who made them, and served from disk by
`GET /files/export/<id>/<name>` (ui/routes.py) to that viewer only. Old exports are removed.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path

from genlib import Filters, looks_like_id, new_id

from .auth import Viewer
from .fileurls import export_href

EXPORT_KEEP_S = 3600  # saved exports are removed an hour later, at the next export
OWNER_FILE = "owner"
EXPORTS = {"CSV": ("csv", "text/csv"), "JSONL": ("jsonl", "application/x-ndjson"),
           "Parquet": ("parquet", "application/vnd.apache.parquet")}
FILE_NAMES = {f"genvault-history.{fmt}": mime for fmt, mime in EXPORTS.values()}


def export_file(vault, viewer: Viewer, filters: Filters, fmt: str, progress=None) -> Path:
    """The filtered rows in a file of their own, owned by `viewer`; older exports are removed first."""
    root = exports_root(vault)
    _remove_old_exports(root)
    folder = root / new_id()
    folder.mkdir(parents=True)
    (folder / OWNER_FILE).write_text(viewer.user_id, encoding="utf-8")
    return vault.export(folder / f"genvault-history.{fmt}", fmt, filters, progress)


def saved_export_href(path: Path) -> str:
    """The route that serves a file export_file wrote."""
    return export_href(path.parent.name, path.name)


def owned_export(vault, viewer: Viewer, export_id: str, name: str) -> Path | None:
    """The saved export if `viewer` made it; None for anything else (checked before any path is
    built: the id must look like one of ours and the name be one we write)."""
    if not looks_like_id(export_id) or name not in FILE_NAMES:
        return None
    folder = exports_root(vault) / export_id
    try:
        owner = (folder / OWNER_FILE).read_text(encoding="utf-8")
    except OSError:
        return None
    path = folder / name
    return path if owner == viewer.user_id and path.is_file() else None


def exports_root(vault) -> Path:
    return Path(vault.data_dir) / "exports"


def _remove_old_exports(root: Path) -> None:
    if not root.is_dir():
        return
    for folder in root.iterdir():
        if folder.is_dir() and time.time() - folder.stat().st_mtime > EXPORT_KEEP_S:
            shutil.rmtree(folder, ignore_errors=True)
