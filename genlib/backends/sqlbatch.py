"""`BatchStore` on SQL (backends/base.py): the batch_jobs and batch_rows tables of migration 9.

Shared by the DuckDB and PostgreSQL stores, which differ only in how they run statements (`_write`:
several in one transaction; `_read`: rows as dicts) and in their placeholder, written `?` here.
Values are always parameters; column names come from the dataclasses (code), never from input.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable, Sequence

from ..batchrecords import SENT, BatchJob, BatchRow
from ..clock import utcnow

INSERT_CHUNK = 500  # rows per INSERT statement: ~6,000 parameters, well under either driver's limit
_JOB_FIELDS = {"status", "message", "concurrency", "updated_utc"}
_ROW_FIELDS = {"status", "gen_id", "attempts", "cost_usd", "error", "prompt"}


class SQLBatchStore:
    mark = "?"

    def _write(self, statements: list[tuple[str, list]]) -> None:
        raise NotImplementedError

    def _read(self, query: str, params: list) -> list[dict]:
        raise NotImplementedError

    def _sql(self, text: str) -> str:
        return text if self.mark == "?" else text.replace("?", self.mark)

    def _run(self, statements: Iterable[tuple[str, list]]) -> None:
        self._write([(self._sql(q), p) for q, p in statements])

    def _rows(self, query: str, params: list) -> list[dict]:
        return self._read(self._sql(query), params)

    # -- writes ---------------------------------------------------------------------------
    def create(self, job: BatchJob, rows: Sequence[BatchRow]) -> None:
        statements = [(_insert("batch_jobs", BatchJob.COLUMNS, 1), list(job.to_row()))]
        for start in range(0, len(rows), INSERT_CHUNK):
            part = rows[start:start + INSERT_CHUNK]
            statements.append((_insert("batch_rows", BatchRow.COLUMNS, len(part)), [v for r in part for v in r.to_row()]))
        self._run(statements)

    def set_job(self, job_id: str, **values) -> None:
        values = {**values, "updated_utc": utcnow()}
        _check(values, _JOB_FIELDS)
        names = sorted(values)
        self._run([(f"UPDATE batch_jobs SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?",
                    [values[n] for n in names] + [job_id])])

    def lease(self, job_id: str, runner_id: str, seconds: float, replacing: str | None = None) -> bool:
        """Take or renew the job's lease: free, ours, expired, or held by `replacing` (a runner known dead)."""
        now = utcnow()
        self._run([("UPDATE batch_jobs SET runner_id = ?, lease_until = ? WHERE id = ? AND (runner_id IS NULL "
                    "OR runner_id = ? OR runner_id = ? OR lease_until < ?)",
                    [runner_id, now + timedelta(seconds=seconds), job_id, runner_id, replacing or runner_id, now])])
        found = self._rows("SELECT runner_id FROM batch_jobs WHERE id = ?", [job_id])
        return bool(found) and found[0]["runner_id"] == runner_id

    def release(self, job_id: str, runner_id: str) -> None:
        self._run([("UPDATE batch_jobs SET runner_id = NULL, lease_until = NULL WHERE id = ? AND runner_id = ?",
                    [job_id, runner_id])])

    def update_rows(self, updates: Sequence[tuple[tuple[str, int, str], dict]]) -> None:
        """Set fields of rows, each ((job, row, model), {field: value}), in one transaction."""
        statements, now = [], utcnow()
        for (job_id, row_index, model), values in updates:
            _check(values, _ROW_FIELDS)
            names = sorted(values)
            statements.append((f"UPDATE batch_rows SET {', '.join(f'{n} = ?' for n in names)}, updated_utc = ? "
                               "WHERE job_id = ? AND row_index = ? AND model = ?",
                               [values[n] for n in names] + [now, job_id, row_index, model]))
        if statements:
            self._run(statements)

    def reset_rows(self, job_id: str, from_status: str, to_status: str) -> int:
        """Every row of `from_status` back to `to_status` (failed rows retried alone); how many."""
        count = self._rows("SELECT count(*) AS n FROM batch_rows WHERE job_id = ? AND status = ?",
                           [job_id, from_status])[0]["n"]
        self._run([("UPDATE batch_rows SET status = ?, error = NULL, attempts = 0, updated_utc = ? "
                    "WHERE job_id = ? AND status = ?", [to_status, utcnow(), job_id, from_status])])
        return int(count)

    # -- reads ----------------------------------------------------------------------------
    def job(self, job_id: str) -> BatchJob | None:
        found = self._rows(f"SELECT {', '.join(BatchJob.COLUMNS)} FROM batch_jobs WHERE id = ?", [job_id])
        return BatchJob.from_row(found[0]) if found else None

    def jobs(self, user_id: str | None, limit: int = 50) -> list[BatchJob]:
        where, params = ("WHERE user_id = ?", [user_id]) if user_id is not None else ("", [])
        rows = self._rows(f"SELECT {', '.join(BatchJob.COLUMNS)} FROM batch_jobs {where} "
                          "ORDER BY created_utc DESC, id LIMIT ?", params + [int(limit)])
        return [BatchJob.from_row(r) for r in rows]

    def rows(self, job_id: str, statuses: Sequence[str] = (), limit: int | None = None,
             offset: int = 0) -> list[BatchRow]:
        where, params = "job_id = ?", [job_id]
        if statuses:
            where += f" AND status IN ({', '.join('?' for _ in statuses)})"
            params += list(statuses)
        page = f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else ""
        found = self._rows(f"SELECT {', '.join(BatchRow.COLUMNS)} FROM batch_rows WHERE {where} "
                           f"ORDER BY row_index, model{page}", params)
        return [BatchRow.from_row(r) for r in found]

    def counts(self, job_id: str) -> dict[str, tuple[int, object]]:
        """{row status: (rows, summed cost)}; the cost of a row includes its failed attempts."""
        found = self._rows("SELECT status, count(*) AS n, sum(cost_usd) AS cost FROM batch_rows "
                           "WHERE job_id = ? GROUP BY status", [job_id])
        return {r["status"]: (int(r["n"]), r["cost"]) for r in found}

    def unsettled(self, job_id: str) -> list[BatchRow]:
        """Rows sent but not finished: what a crashed runner left."""
        return self.rows(job_id, (SENT,))


def _insert(table: str, columns: tuple[str, ...], count: int) -> str:
    one = "(" + ", ".join("?" for _ in columns) + ")"
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join(one for _ in range(count))}"


def _check(values: dict, allowed: set[str]) -> None:
    wrong = set(values) - allowed - {"updated_utc"}
    if wrong:
        raise ValueError(f"not a settable batch field: {sorted(wrong)}")
