"""The History search index: SQLite FTS5 (trigram tokenizer, detail=none) beside the DuckDB records.

Derived data in `<data dir>/search.sqlite` (rebuildable, own schema version in `user_version`).
`docs` holds each record's filterable columns; `text_index` its prompt and answer, indexed by every
3-character piece without positions (half the size of detail=full; candidates are then checked
against the text, see search_plan). Both share a
rowid that encodes the creation time (microseconds * 1024 + a slot from the id), so rowid order is
newest-first order: one SQLite query answers text + filters + order + limit, and a page of a common
word stops after 50 matches instead of reading them all. DuckDB then fetches those rows by id.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import zlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

from .search_query import contains

log = logging.getLogger(__name__)
SCHEMA_VERSION = 1
SLOTS = 1024
EPOCH = datetime(1970, 1, 1)
FIELDS = ("id", "created_utc", "user_id", "status", "kind", "model_requested", "model_used", "prompt",
          "result_text")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, user_id TEXT,
    status TEXT, kind TEXT, model_requested TEXT, model_used TEXT);
CREATE INDEX IF NOT EXISTS docs_user ON docs (user_id);
CREATE INDEX IF NOT EXISTS docs_status ON docs (status);
CREATE INDEX IF NOT EXISTS docs_kind ON docs (kind);
CREATE INDEX IF NOT EXISTS docs_model_requested ON docs (model_requested);
CREATE INDEX IF NOT EXISTS docs_model_used ON docs (model_used);
CREATE VIRTUAL TABLE IF NOT EXISTS text_index USING fts5(prompt, result_text, tokenize='trigram', detail=none);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""


def row_of(gen) -> tuple:
    """What the index keeps of a record (a Generation or anything with those attributes)."""
    return tuple(getattr(gen, name) for name in FIELDS)


def time_key(created: datetime) -> int:
    """The rowid range of one microsecond starts here."""
    return ((created - EPOCH) // timedelta(microseconds=1)) * SLOTS


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
        return con

    def _reader(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = self._local.con = self._connect()
        return con

    def _reset(self, con: sqlite3.Connection) -> None:
        """A file of another schema version (or none): start empty; the caller rebuilds it."""
        for table in ("text_index", "docs", "meta"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
        con.executescript(_SCHEMA)
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the file and truncate it (after a build wrote GBs to it)."""
        with self._write_lock:
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
        with self._write_lock:
            con = self._writer
            con.execute("BEGIN IMMEDIATE")
            try:
                for row in rows:
                    self._upsert_one(con, row)
                if synced_until is not None:
                    con.execute("INSERT OR REPLACE INTO meta VALUES ('synced_until', ?)", [synced_until.isoformat()])
                if complete:
                    con.execute("INSERT OR REPLACE INTO meta VALUES ('complete', '1')")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def append_fresh(self, rows: list[tuple], taken: dict) -> None:
        """A full build into an empty index (rows oldest first, none indexed yet): plain inserts,
        several times faster than `upsert`. `taken` carries the rowids of the last microsecond
        between calls, for records created in the same one."""
        docs, texts = [], []
        for gen_id, created, user, status, kind, requested, used, prompt, text in rows:
            base = time_key(created)
            if taken.get("base") != base:
                taken.clear()
                taken["base"] = base
            slot = zlib.crc32(gen_id.encode()) % SLOTS
            while base + slot in taken:
                slot = (slot + 1) % SLOTS
            rowid = taken[base + slot] = base + slot
            docs.append((rowid, gen_id, user, status, kind, requested, used))
            texts.append((rowid, prompt or "", text or ""))
        with self._write_lock:
            con = self._writer
            con.execute("BEGIN IMMEDIATE")
            try:
                for doc, text in zip(docs, texts):
                    # OR IGNORE: the writer may have indexed a record that finished during the build
                    if con.execute("INSERT OR IGNORE INTO docs VALUES (?, ?, ?, ?, ?, ?, ?)", doc).rowcount:
                        con.execute("INSERT INTO text_index (rowid, prompt, result_text) VALUES (?, ?, ?)", text)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def is_empty(self) -> bool:
        return not self._reader().execute("SELECT 1 FROM docs LIMIT 1").fetchall()

    def rename_user(self, old: str, new: str) -> None:
        """Mirror a legacy takeover (users.py): the records saved under `old` now belong to `new`."""
        with self._write_lock:
            self._writer.execute("UPDATE docs SET user_id = ? WHERE user_id = ?", [new, old])

    @staticmethod
    def _upsert_one(con: sqlite3.Connection, row: tuple) -> None:
        gen_id, created, user, status, kind, requested, used, prompt, text = row
        prompt, text = prompt or "", text or ""
        found = con.execute("SELECT rowid FROM docs WHERE id = ?", [gen_id]).fetchone()
        if found:
            rowid = found[0]
            con.execute("UPDATE docs SET user_id = ?, status = ?, kind = ?, model_requested = ?, model_used = ? "
                        "WHERE rowid = ?", [user, status, kind, requested, used, rowid])
            old = con.execute("SELECT prompt, result_text FROM text_index WHERE rowid = ?", [rowid]).fetchone()
            if old == (prompt, text):
                return  # a status change only: no trigrams to rewrite
            con.execute("DELETE FROM text_index WHERE rowid = ?", [rowid])
        else:
            rowid = _free_rowid(con, created, gen_id)
            con.execute("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [rowid, gen_id, user, status, kind, requested, used])
        con.execute("INSERT INTO text_index (rowid, prompt, result_text) VALUES (?, ?, ?)", [rowid, prompt, text])

    # -- reads ------------------------------------------------------------------------------
    def rowid_of(self, gen_id: str) -> int | None:
        row = self._reader().execute("SELECT rowid FROM docs WHERE id = ?", [gen_id]).fetchone()
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


def _free_rowid(con: sqlite3.Connection, created: datetime, gen_id: str) -> int:
    """The record's rowid: its creation microsecond, then a slot from its id (the next free one if
    another record created in the same microsecond took it)."""
    base, slot = time_key(created), zlib.crc32(gen_id.encode()) % SLOTS
    for step in range(SLOTS):
        rowid = base + (slot + step) % SLOTS
        if con.execute("SELECT 1 FROM docs WHERE rowid = ?", [rowid]).fetchone() is None:
            return rowid
    raise ValueError(f"more than {SLOTS} records created in one microsecond")
