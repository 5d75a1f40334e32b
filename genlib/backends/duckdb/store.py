"""The embedded record store (`RecordStore` in backends/base.py): the only module that imports duckdb.

One connection per process, a fresh cursor per call (DuckDB 2.0 refuses a connection shared
between threads). Writes for live generations come from one thread (the writer) in batched
transactions, except each new generation's start-journal row, committed by the thread that starts
it (journal.py); reads come from any thread. Cost and spend queries: reads.py; exports: export.py.
"""
from __future__ import annotations

import json
import re
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterable, Iterator

import duckdb
import pandas as pd

from ...clock import utcnow
from ...errors import RECOVERY_HINT, DatabaseLocked, StorageUnavailable, first_line
from ...filters import Filters
from .where import and_where, where_clause
from .migrations import MIGRATIONS
from ...records import LIVE_STATUSES, PENDING, Generation
from .burial import BurialMixin
from .compare import DuckDBCompareStore
from .export import ExportMixin
from .journal import JournalMixin
from .reads import ReadsMixin
from .rollup import RollupMixin
from . import sql

COLS = Generation.COLUMNS
SEARCH_WINDOWS_DAYS = (1, 7, 30)
# What a damaged or unreachable file raises (a truncated file opens, then fails on its first read).
STORAGE_FAILURES = (duckdb.IOException, duckdb.InternalException, duckdb.FatalException,
                    duckdb.SerializationException)


class DuckDBStore(JournalMixin, ReadsMixin, RollupMixin, ExportMixin, BurialMixin):
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
        statements = self._batch_statements(list(starts), list(inserts), list(chunks), list(updates), list(finals))
        cur = self._writer_cursor()
        with _storage_errors():
            if len(statements) == 1:  # a lone statement commits by itself: no BEGIN/COMMIT calls
                cur.execute(*statements[0])
                return
            _in_transaction(cur, statements)

    def _batch_statements(self, starts: list, inserts: list, chunks: list, updates: list,
                          finals: list) -> list[tuple]:
        statements = []
        if starts:
            statements.append((sql.insert_starts(len(starts)),
                               [v for g in starts for v in (g.id, json.dumps(g.to_dict()))]))
        if inserts:
            statements.append((sql.insert_many(len(inserts)), [v for g in inserts for v in g.to_row()]))
            statements.append((sql.delete_starts(len(inserts)), [g.id for g in inserts]))
        if chunks:
            statements.append((sql.insert_chunks(len(chunks)), [v for row in chunks for v in row]))
        for columns, rows in _group_updates(updates):
            statements.append((sql.update_many(columns, len(rows), self._types), [v for r in rows for v in r]))
        if finals:
            columns = tuple(c for c in COLS if c != "id")
            statements.append((sql.update_many(columns, len(finals), self._types),
                               [v for g in finals for v in g.to_row()]))
            statements.append((f"DELETE FROM generation_chunks WHERE generation_id IN "
                               f"({', '.join('?' for _ in finals)})", [gen.id for gen in finals]))
        return statements

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

    # -- reads --------------------------------------------------------------------------
    def fetch_rows(self, query: str, params: list) -> list[tuple]:
        with self._cursor() as cur:
            return cur.execute(query, params).fetchall()

    def get(self, gen_id: str) -> Generation | None:
        with self._cursor() as cur:
            row = cur.execute(sql.SELECT_ONE, [gen_id]).fetchone()
            if row is None:  # just started: its pending row may still be in the journal
                row = cur.execute(sql.SELECT_START, [gen_id]).fetchone()
                return self._with_chunks(cur, [Generation.from_dict(json.loads(row[0]))])[0] if row else None
            return self._with_chunks(cur, [Generation.from_row(row)])[0]

    def scan(self, filters: Filters, limit: int, offset: int = 0,
             before: tuple[datetime, str] | None = None) -> list[Generation]:
        """Newest first, rows older than `before` (created, id) if given. Rows are stored in time
        order, so DuckDB's zone maps let a query bounded to recent days skip old row groups: try
        growing windows and stop at the first full page. A full page from a window is exactly the
        global answer, since every row outside is older. (The search index answers first; this
        scan serves while it is being built.)"""
        with self._cursor() as cur:
            newest = before[0] if before else cur.execute("SELECT max(created_utc) FROM generations").fetchone()[0]
            for days in (SEARCH_WINDOWS_DAYS if newest else ()):
                since = newest - timedelta(days=days)
                if filters.date_from and datetime.combine(filters.date_from, datetime.min.time()) >= since:
                    break  # the filter's own range is narrower: query it directly
                rows = self._page(cur, filters, limit, offset, since, before)
                if len(rows) >= limit:
                    return self._with_chunks(cur, rows)
            return self._with_chunks(cur, self._page(cur, filters, limit, offset, None, before))

    @staticmethod
    def _page(cur, filters: Filters, limit: int, offset: int, since: datetime | None,
              before: tuple[datetime, str] | None) -> list[Generation]:
        where, params = where_clause(filters)
        extra, extra_params = [], []
        if since is not None:
            extra.append("created_utc >= ?")
            extra_params.append(since)
        if before is not None:
            extra.append("(created_utc < ? OR (created_utc = ? AND id < ?))")
            extra_params += [before[0], before[0], before[1]]
        where = and_where(where, *extra, sql.NOT_DELETED)
        query = f"{sql.SELECT_ALL} {where} ORDER BY created_utc DESC, id DESC LIMIT ? OFFSET ?"
        return [Generation.from_row(row) for row in
                cur.execute(query, [*params, *extra_params, limit, offset]).fetchall()]

    @staticmethod
    def _with_chunks(cur, gens: list[Generation]) -> list[Generation]:
        """A live row's saved text is result_text plus its chunks (the final text is written once)."""
        live = {g.id: g for g in gens if g.is_live}
        if live:
            for gen_id, text in cur.execute(sql.chunks_of(len(live)), list(live)).fetchall():
                live[gen_id].result_text = (live[gen_id].result_text or "") + text
        return gens

    def get_many(self, ids: list[str]) -> list[Generation]:
        """The records with these ids, in the order given (missing ones left out)."""
        if not ids:
            return []
        with self._cursor() as cur:
            rows = cur.execute(f"{sql.SELECT_ALL} WHERE id IN ({', '.join('?' for _ in ids)})", list(ids)).fetchall()
            found = {g.id: g for g in self._with_chunks(cur, [Generation.from_row(r) for r in rows])}
        return [found[i] for i in ids if i in found]

    def accounts_of(self, user: str) -> list[str]:
        """An admin's user filter as user ids: the value itself and every account with that email."""
        with self._cursor() as cur:
            rows = cur.execute("SELECT user_id FROM users WHERE email = lower(?)", [user]).fetchall()
        return list(dict.fromkeys([user, *(r[0] for r in rows)]))

    def index_batches(self, since: datetime | None, until: datetime | None = None,
                      batch: int = 5000) -> Iterator[list[tuple]]:
        """Rows for the search index (search_index.FIELDS), oldest first: every row (since None), or
        those created or finished since `since` plus every live one; `until` bounds creation."""
        where, params = [sql.NOT_DELETED], []
        if since is not None:
            where.append(f"(created_utc >= ? OR finished_utc >= ? OR {sql.LIVE})")
            params += [since, since]
        if until is not None:
            where.append("created_utc < ?")
            params.append(until)
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        with self._cursor() as cur:
            cur.execute(f"SELECT {sql.INDEX_FIELDS} FROM generations {clause} ORDER BY created_utc", params)
            while rows := cur.fetchmany(batch):
                yield rows

    def count_rows(self) -> int:
        with self._cursor() as cur:
            return cur.execute("SELECT count(*) FROM generations").fetchone()[0]

    def thread(self, gen_id: str, max_depth: int = 50) -> list[Generation]:
        """The conversation ending at gen_id, oldest first."""
        chain, current = [], self.get(gen_id)
        while current is not None and len(chain) < max_depth:
            chain.append(current)
            current = self.get(current.parent_id) if current.parent_id else None
        return chain[::-1]

    def frame(self, query: str, params: list) -> pd.DataFrame:
        with self._cursor() as cur:
            return cur.execute(query, params).df()

    def row_dict(self, query: str, params: list) -> dict:
        """One row as a dict, values as DuckDB returns them (DECIMAL stays Decimal)."""
        with self._cursor() as cur:
            cur.execute(query, params)
            names = [d[0] for d in cur.description]
            return dict(zip(names, cur.fetchone()))

    def dict_rows(self, query: str, params: list) -> list[dict]:
        """Every row as a dict, values as DuckDB returns them (None stays None, unlike `frame`)."""
        with self._cursor() as cur:
            cur.execute(query, params)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row)) for row in cur.fetchall()]

    def live_rows(self) -> tuple[list[Generation], list[Generation]]:
        """(rows of `generations` still pending/streaming, every row still in the start journal), saved
        chunks folded into live ones' result_text: a sweep updates the first and inserts the second."""
        marks = ", ".join("?" for _ in LIVE_STATUSES)
        with self._cursor() as cur:
            rows = cur.execute(f"{sql.SELECT_ALL} WHERE status IN ({marks})", list(LIVE_STATUSES)).fetchall()
            journaled = cur.execute(sql.SELECT_STARTS).fetchall()
            return (self._with_chunks(cur, [Generation.from_row(row) for row in rows]),
                    self._with_chunks(cur, [Generation.from_dict(json.loads(r[0])) for r in journaled]))

    def priced_rows(self) -> Iterator[Generation]:
        self._settle()
        with self._cursor() as cur:
            cur.execute(f"{sql.SELECT_ALL} WHERE cached_from IS NULL AND status <> '{PENDING}' ORDER BY created_utc")
            while batch := cur.fetchmany(1000):
                yield from (Generation.from_row(row) for row in batch)

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


def _group_updates(updates: list[tuple[str, dict]]) -> list[tuple[tuple, list]]:
    """Partial updates grouped by the columns they set, as (columns, [(id, *values), ...])."""
    groups: dict[tuple, list] = {}
    for gen_id, values in updates:
        unknown = set(values) - set(COLS)
        if unknown:  # column names come from code, never from users; refuse anything else
            raise ValueError(f"unknown columns {sorted(unknown)}")
        columns = tuple(sorted(values))
        groups.setdefault(columns, []).append((gen_id, *(values[c] for c in columns)))
    return list(groups.items())


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
