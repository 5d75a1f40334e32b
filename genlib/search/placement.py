"""Where a record goes in the search index: its rowid among the others, and writing or removing
its docs, texts, text_index and phrase_index rows together (a contentless FTS5 row is removed by giving back
exactly what was indexed). Rowids keep (created, id) order; see index.py.
"""
from __future__ import annotations

import sqlite3

from .phrase import phrase_pieces
from .rows import FACETS, Doc

GAP = 16  # rowids between records appended in order: room for a few inserted between them later
BELOW = 1 << 40  # a record older than every indexed one starts this far below them (a build's room)
DOC_COLUMNS = "rowid, id, created, user_id, status, kind, model_requested, model_used"
DOCS = ("SELECT d.rowid, d.id, d.created, d.user_id, d.status, d.kind, d.model_requested, d.model_used, t.prompt, "
        "t.result_text FROM docs d JOIN texts t ON t.rowid = d.rowid")
_FTS_COLUMNS = ", ".join(("rowid", "prompt", "result_text", *FACETS))
_INSERT = f"INSERT INTO text_index ({_FTS_COLUMNS}) VALUES ({', '.join('?' * (3 + len(FACETS)))})"
_DELETE = (f"INSERT INTO text_index (text_index, {_FTS_COLUMNS}) "
           f"VALUES ('delete', {', '.join('?' * (3 + len(FACETS)))})")


def index_doc(con: sqlite3.Connection, doc: Doc) -> None:
    columns = doc.columns()
    con.execute(f"INSERT INTO docs ({DOC_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", columns[:8])
    con.execute("INSERT INTO texts VALUES (?, ?, ?)", [doc.rowid, *columns[8:]])
    con.execute(_INSERT, doc.fts_values())
    con.execute("INSERT INTO phrase_index (rowid, pieces) VALUES (?, ?)", [doc.rowid, phrase_pieces(doc.prompt,
                                                                                                   doc.result_text)])


def unindex_doc(con: sqlite3.Connection, doc: Doc) -> None:
    """A contentless FTS5 row is removed by giving back exactly what was indexed (kept in docs and texts)."""
    con.execute(_DELETE, doc.fts_values())
    con.execute("INSERT INTO phrase_index (phrase_index, rowid, pieces) VALUES ('delete', ?, ?)",
                [doc.rowid, phrase_pieces(doc.prompt, doc.result_text)])
    con.execute("DELETE FROM docs WHERE rowid = ?", [doc.rowid])
    con.execute("DELETE FROM texts WHERE rowid = ?", [doc.rowid])


def free_rowid(con: sqlite3.Connection, doc: Doc) -> int:
    """A rowid between those of the records just older and just newer (GAP after the older one when
    there is room; else halfway); when they are adjacent, the newer ones are spread out first."""
    key = [doc.created, doc.id]
    older = con.execute("SELECT rowid FROM docs WHERE (created, id) < (?, ?) ORDER BY created DESC, id DESC "
                        "LIMIT 1", key).fetchone()
    newer = con.execute("SELECT rowid FROM docs WHERE (created, id) > (?, ?) ORDER BY created, id LIMIT 1",
                        key).fetchone()
    if newer is None:
        return older[0] + GAP if older else 0
    if older is None:
        return newer[0] - BELOW
    low, high = older[0], newer[0]
    if high - low < 2:
        high = _spread_after(con, low)
    return low + min(GAP, (high - low) // 2)


def _spread_after(con: sqlite3.Connection, low: int) -> int:
    """Renumber the fewest records just after rowid `low` so that a free rowid follows it (rare:
    records arriving out of order into one gap again and again); returns the first one's new rowid."""
    moved, limit = [], None
    cursor = con.execute(f"{DOCS} WHERE d.rowid > ? ORDER BY d.rowid", [low])
    for row in cursor:
        if moved and row[0] - low > 2 * (len(moved) + 1):
            limit = row[0]
            break
        moved.append(Doc(*row))
    cursor.close()
    if limit is None:  # nothing above them
        limit = moved[-1].rowid + GAP * (len(moved) + 1)
    step = (limit - low - 1) // (len(moved) + 1)
    for doc in moved:  # every old rowid is freed before any is reused
        unindex_doc(con, doc)
    for n, doc in enumerate(moved):
        doc.rowid = low + step * (n + 2)
        index_doc(con, doc)
    return moved[0].rowid
