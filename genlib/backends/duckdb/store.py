"""The embedded record store (`RecordStore` in backends/base.py): the only module that imports duckdb.

One connection per process, a fresh cursor per call (DuckDB 2.0 refuses a connection shared
between threads). Writes for live generations come from one thread (the writer) in batched
transactions, except each new generation's start-journal row, committed by the thread that starts
it (journal.py; the batch's statements: statements.py); reads come from any thread. Record reads:
lookups.py; cost and spend queries: reads.py; exports: export.py.
"""
from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable

import duckdb
import pandas as pd

from ...clock import utcnow
from ...errors import RECOVERY_HINT, DatabaseLocked, StorageUnavailable, first_line
from ...filters import Filters
from .migrations import MIGRATIONS
from ...records import Generation
from .burial import BurialMixin
from .compare import DuckDBCompareStore
from .export import ExportMixin
from .journal import JournalMixin
from .lookups import LookupsMixin
from .reads import ReadsMixin
from .rollup import RollupMixin
from .statements import batch_statements
from . import sql

COLS = Generation.COLUMNS
# What a damaged or unreachable file raises (a truncated file opens, then fails on its first read).
STORAGE_FAILURES = (duckdb.IOException, duckdb.InternalException, duckdb.FatalException,
                    duckdb.SerializationException)


class DuckDBStore(JournalMixin, LookupsMixin, ReadsMixin, RollupMixin, ExportMixin, BurialMixin):
    """Generations in a DuckDB file; `target_version` exists so tests can build old databases."""

    def __init__(self, path: Path, target_version: int | None = None):
        self.path = Path(path)
        self._con = _connect(self.path)
        try:
            self._open(target_version)
        except BaseException:
            self._con.close()  # a damaged file: don't keep it open (the app retries on its next run)
            raise

    def _open(self, target_version: int | None) -> None:
        self._lock = threading.Lock()  # serializes writers that are not the persister (CLI, sweep)
        self._version: int | None = None
        self._writers = threading.local()
        self._kept: list[tuple[threading.Thread, object]] = []
        self.bulk_listeners: list = []  # called with each bulk-loaded frame (the search index's)
        self._open_journal()
        self.migrate(target_version)
        with self._cursor() as cur:  # each column's SQL type, for the casts of batched updates
            self._types = dict(cur.execute("SELECT column_name, data_type FROM information_schema.columns "
                                           "WHERE table_name = 'generations'").fetchall())

    # -- schema -------------------------------------------------------------------------
    def migrate(self, target_version: int | None = None) -> list[int]:
        applied = []
        with self._cursor() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS _genlib_migrations "
                        "(version INTEGER PRIMARY KEY, name VARCHAR, applied_utc TIMESTAMP)")
            done = {row[0] for row in cur.execute("SELECT version FROM _genlib_migrations").fetchall()}
            for number, name, statement in MIGRATIONS:
                if number in done or (target_version is not None and number > target_version):
                    continue
                cur.execute("BEGIN")
                cur.execute(statement)
                cur.execute("INSERT INTO _genlib_migrations VALUES (?, ?, ?)", [number, name, utcnow()])
                cur.execute("COMMIT")
                applied.append(number)
        self._version = None
        return applied

    def schema_version(self) -> int:
        with self._cursor() as cur:
            return cur.execute("SELECT coalesce(max(version), 0) FROM _genlib_migrations").fetchone()[0]

    def probe(self) -> None:
        """A real write for `genlib doctor`: rewrite the rollup watermark to its own value (a commit
        that changes nothing, safe if interrupted), checkpoint it into the file, read it back."""
        with self._lock, self._cursor() as cur:
            before = cur.execute(sql.ROLLUP_WATERMARK).fetchone()
            cur.execute("UPDATE cost_daily_state SET folded_until = folded_until")
            cur.execute("CHECKPOINT")
            if cur.execute(sql.ROLLUP_WATERMARK).fetchone() != before:
                raise StorageUnavailable(f"The database {self.path} read back a different value than it wrote.")

    @property
    def schema_version_cached(self) -> int:
        if self._version is None:
            self._version = self.schema_version()
        return self._version

    # -- writes -------------------------------------------------------------------------
    def write_batch(self, inserts: Iterable[Generation] = (), chunks: Iterable[tuple] = (),
                    updates: Iterable[tuple[str, dict]] = (), finals: Iterable[Generation] = (),
                    starts: Iterable[Generation] = ()) -> None:
        """One transaction: journaled starts, new rows (moved out of the journal if they were in it),
        appended text pieces, column updates, final records.

        A fixed handful of statements however many generations a batch carries, on a cursor kept
        by the writing thread: under 64 streams every call into DuckDB must win the GIL back from
        busy threads, so the number of calls, not rows, sets how long a flush takes."""
        statements = batch_statements(self._types, list(starts), list(inserts), list(chunks), list(updates),
                                      list(finals))
        cur = self._writer_cursor()
        with _storage_errors():
            if len(statements) == 1:  # a lone statement commits by itself: no BEGIN/COMMIT calls
                cur.execute(*statements[0])
                return
            _in_transaction(cur, statements)

    def _writer_cursor(self):
        """This thread's own cursor (DuckDB wants one per thread); the persister keeps one for life.
        Listed so `close` can close them: one left open at exit makes DuckDB's bindings complain."""
        cur = getattr(self._writers, "cursor", None)
        if cur is None:
            cur = self._writers.cursor = self._con.cursor()
            with self._lock:  # forget the cursors of threads that have ended (theirs are freed)
                self._kept = [(t, c) for t, c in self._kept if t.is_alive()] + [(threading.current_thread(), cur)]
        return cur

    def bulk_append(self, frame: pd.DataFrame) -> None:
        """Fast bulk load (benchmarks, imports): columns named like Generation fields."""
        frame = frame.reindex(columns=list(COLS))
        with self._cursor() as cur, _storage_errors():
            cur.register("_bulk", frame)
            cur.execute("BEGIN")
            cur.execute(f"INSERT INTO generations ({', '.join(COLS)}) SELECT * FROM _bulk")
            watermark = cur.execute(sql.ROLLUP_WATERMARK).fetchone()[0]
            if watermark is not None:  # rows for days already folded join their cells
                cur.execute(sql.ROLLUP_ADD_FRAME, [watermark])
            cur.execute("COMMIT")
            cur.unregister("_bulk")
        for listener in self.bulk_listeners:
            listener(frame)

    def run_writes(self, statements: Iterable[tuple[str, list]]) -> None:
        """A few (sql, params) statements in one transaction, outside the persister (rare writes)."""
        with self._lock, self._cursor() as cur, _storage_errors():
            _in_transaction(cur, list(statements))

    def write_returning(self, statement: str, params: list) -> list[tuple]:
        """One statement with RETURNING, committed by itself under the writers' lock; its rows."""
        with self._lock, self._cursor() as cur, _storage_errors():
            return cur.execute(statement, params).fetchall()

    def comparisons(self) -> DuckDBCompareStore:
        return DuckDBCompareStore(self)

    def export(self, filters: Filters, fmt: str, dest: Path, progress=None) -> Path:
        """export.py's, once the journal is settled: the file lists every record started so far."""
        self._settle()
        return super().export(filters, fmt, dest, progress)

    def set_prices(self, prices) -> None:
        """(id, cost_usd, price_source) per re-priced record, then the rollup recomputed."""
        if prices:
            self.write_batch(updates=[(gen_id, {"cost_usd": cost, "price_source": source})
                                      for gen_id, cost, source in prices])
            self.rebuild_rollup()

    def close(self) -> None:
        self._close_search()
        self._close_connection()

    def _close_connection(self) -> None:
        for _, cur in self._kept:
            cur.close()
        self._kept, self._writers = [], threading.local()  # and drop them: freed before exit
        self._con.close()

    def _replace_file(self, rewritten: Path) -> None:
        """Put a rewritten copy of the database in place of the file and reopen it (reclaim)."""
        self._close_connection()
        rewritten.replace(self.path)  # atomic: a crash leaves the old file or the new one
        self._con = _connect(self.path)

    def _write_errors(self):
        return _storage_errors()

    @contextmanager
    def _cursor(self, failure=None):
        """A fresh cursor; a storage failure inside (a truncated or damaged file, an I/O error)
        becomes `StorageUnavailable`: `failure(exc)` makes it, by default "can't be read"."""
        cur = self._con.cursor()
        try:
            yield cur
        except STORAGE_FAILURES as exc:
            raise (failure or self._unreadable)(exc) from exc
        finally:
            cur.close()

    def _unreadable(self, exc: Exception) -> StorageUnavailable:
        return StorageUnavailable(f"The database {self.path} can't be read ({first_line(exc)}): it may be "
                                  f"damaged. {RECOVERY_HINT}")


def _in_transaction(cur, statements: list[tuple]) -> None:
    cur.execute("BEGIN")
    try:
        for statement in statements:
            cur.execute(*statement)
        cur.execute("COMMIT")
    except BaseException:
        try:
            cur.execute("ROLLBACK")
        except duckdb.Error:  # a failed COMMIT (e.g. disk full) has rolled back already:
            pass              # don't let "no transaction is active" hide the real error
        raise


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return duckdb.connect(str(path))
    except duckdb.IOException as exc:
        match = re.search(r"PID (\d+)", str(exc))
        if "lock" in str(exc).lower():
            raise DatabaseLocked(str(path), int(match.group(1)) if match else None) from exc
        raise StorageUnavailable(f"Can't open the database {path} ({first_line(exc)}). {RECOVERY_HINT}") from exc
    except OSError as exc:
        raise StorageUnavailable(f"Can't create the data dir {path.parent}: {exc.strerror}") from exc


@contextmanager
def _storage_errors():
    try:
        yield
    except (duckdb.IOException, OSError) as exc:
        raise StorageUnavailable(f"The database could not be written: {exc}") from exc
