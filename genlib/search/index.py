"""The History search index: SQLite FTS5 (trigram tokenizer, detail=none, contentless) beside DuckDB.

Derived data in `<data dir>/search.sqlite` (rebuildable, own schema version in `user_version`).
`docs` holds each record's id, creation time and filterable columns, `texts` its prompt and answer
(what candidates are checked against, see search_plan; apart, so that walking `docs` reads small
rows); `text_index` (contentless) indexes
the text by every 3-character piece, rows only (no positions), plus one "facet" piece per filter
column (rows.py), so text and filters narrow the rows in the same FTS5 lookup; `phrase_index` the
words around each space (phrase.py), which a quoted phrase narrows by instead. Both share a
rowid whose order is (created, id) order, newest-first being its descending order: one SQLite
query answers text + filters + order + limit and stops after the page. Rowids are dense (GAP
apart, a new record between two others takes a free rowid between theirs): the index stores
rowid deltas, and small ones take a byte where time-based rowids took five.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from typing import Iterator

from .placement import DOCS as _DOCS, free_rowid, index_doc, unindex_doc
from .rows import FACETS, FIELDS, Doc, contains, micros, row_of, text_score  # noqa: F401

log = logging.getLogger(__name__)
SCHEMA_VERSION = 3  # 3: phrase_index (phrase.py)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS docs (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, created INTEGER NOT NULL,
    user_id TEXT, status TEXT, kind TEXT, model_requested TEXT, model_used TEXT);
CREATE INDEX IF NOT EXISTS docs_created ON docs (created, id);
CREATE TABLE IF NOT EXISTS texts (rowid INTEGER PRIMARY KEY, prompt TEXT NOT NULL, result_text TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS text_index USING fts5(prompt, result_text, {', '.join(FACETS)},
    tokenize='trigram', detail=none, content='');
CREATE VIRTUAL TABLE IF NOT EXISTS phrase_index USING fts5(pieces, tokenize='ascii', detail=none, content='');
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""


class SearchIndex:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        try:
            con = self._open_checked()
        except sqlite3.DatabaseError as exc:  # derived data: a damaged file is replaced, then rebuilt
            log.warning("The search index %s is damaged (%s): rebuilding it.", self.path, exc)
            for stale in self.path.parent.glob(self.path.name + "*"):
                stale.unlink()
            con = self._open_checked()
        self._writer = con

    def _open_checked(self) -> sqlite3.Connection:
        con = self._connect()
        try:
            if con.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                self._reset(con)
            con.execute("SELECT count(*) FROM meta").fetchone()
        except BaseException:
            con.close()
            raise
        return con

    # -- connections and schema -------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(str(self.path), check_same_thread=False, timeout=5.0, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")  # derived data: a lost tail is caught up at start
        con.create_function("gv_contains", 2, contains, deterministic=True)
        con.create_function("gv_score", -1, text_score, deterministic=True)
        return con

    def _reader(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = self._local.con = self._connect()
        return con

    def _reset(self, con: sqlite3.Connection) -> None:
        """A file of another schema version (or none): start empty; the caller rebuilds it."""
        for table in ("text_index", "phrase_index", "docs", "texts", "meta"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
        con.executescript(_SCHEMA)
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the file and truncate it (after a build wrote GBs to it)."""
        with self._write_lock:
            self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def vacuum(self) -> None:
        """Rewrite the file without what deleted records took: FTS5 records a deletion as a marker
        until its segments merge ('optimize' merges them all), and freed pages are only reused
        until VACUUM returns them."""
        with self._write_lock:
            self._writer.execute("INSERT INTO text_index (text_index) VALUES ('optimize')")
            self._writer.execute("INSERT INTO phrase_index (phrase_index) VALUES ('optimize')")
            self._writer.execute("VACUUM")
            self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def clear(self) -> None:
        with self._write_lock:
            self._reset(self._writer)

    def close(self) -> None:
        self._writer.close()

    # -- state ------------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self._reader().execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    @property
    def complete(self) -> bool:
        """True once every record has been indexed at least once (a full build finished)."""
        return self.meta("complete") == "1"

    def synced_until(self) -> datetime | None:
        value = self.meta("synced_until")
        return datetime.fromisoformat(value) if value else None

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*"))

    # -- writes -----------------------------------------------------------------------------
    def upsert(self, rows: list[tuple], synced_until: datetime | None = None, complete: bool = False) -> None:
        """Add or refresh records (tuples in FIELDS order) in one transaction, optionally moving the
        catch-up watermark with them (so the watermark never claims rows that are not in)."""
        self._write(rows, True, synced_until, complete)

    def append_fresh(self, rows: list[tuple]) -> None:
        """A full build into an empty index: adds the records not indexed yet, leaves those the
        writer indexed meanwhile as they are (its copy is the newer one)."""
        self._write(rows, False)

    def _write(self, rows: list[tuple], refresh: bool, synced_until: datetime | None = None,
               complete: bool = False) -> None:
        docs = sorted((Doc.of(row) for row in rows), key=lambda doc: (doc.created, doc.id))
        with self._write_lock:
            con = self._writer
            con.execute("BEGIN IMMEDIATE")
            try:
                for doc in docs:
                    self._put(con, doc, refresh)
                if synced_until is not None:
                    con.execute("INSERT OR REPLACE INTO meta VALUES ('synced_until', ?)", [synced_until.isoformat()])
                if complete:
                    con.execute("INSERT OR REPLACE INTO meta VALUES ('complete', '1')")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def _put(self, con: sqlite3.Connection, doc: Doc, refresh: bool) -> None:
        old = con.execute(f"{_DOCS} WHERE d.id = ?", [doc.id]).fetchone()
        if old is not None:
            old = Doc(*old)
            if not refresh or old.same_as(doc):
                return  # a build's older copy, or nothing changed: no trigrams to rewrite
            unindex_doc(con, old)
            doc.rowid = old.rowid
        else:
            doc.rowid = free_rowid(con, doc)
        index_doc(con, doc)

    def remove(self, ids) -> None:
        """Drop these records (deleted ones) from the index; ids not in it are skipped."""
        with self._write_lock:
            con = self._writer
            con.execute("BEGIN IMMEDIATE")
            try:
                for gen_id in ids:
                    row = con.execute(f"{_DOCS} WHERE d.id = ?", [gen_id]).fetchone()
                    if row is not None:
                        unindex_doc(con, Doc(*row))
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def is_empty(self) -> bool:
        return not self._reader().execute("SELECT 1 FROM docs LIMIT 1").fetchall()

    def rename_user(self, old: str, new: str) -> None:
        """Mirror a legacy takeover (users.py): the records saved under `old` now belong to `new`."""
        with self._write_lock:
            con = self._writer
            con.execute("BEGIN IMMEDIATE")
            try:
                for row in con.execute(f"{_DOCS} WHERE d.user_id = ?", [old]).fetchall():
                    doc = Doc(*row)
                    unindex_doc(con, doc)
                    doc.user_id = new
                    index_doc(con, doc)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    # -- reads ------------------------------------------------------------------------------
    def rowid_at(self, created: datetime, gen_id: str = "") -> int | None:
        """The rowid of the oldest record at or after (created, gen_id); None if there is none."""
        row = self._reader().execute("SELECT rowid FROM docs WHERE (created, id) >= (?, ?) ORDER BY created, id "
                                     "LIMIT 1", [micros(created), gen_id]).fetchone()
        return row[0] if row else None

    def execute(self, sql: str, params: list) -> list[tuple]:
        return self._reader().execute(sql, params).fetchall()

    def iterate(self, sql: str, params: list) -> Iterator[tuple]:
        """The rows one by one, computed as they are read: a caller that stops early stops the work."""
        cursor = self._reader().execute(sql, params)
        try:
            yield from cursor
        finally:
            cursor.close()

