"""The Vault's batch verbs (issue 13): plan, estimate, create, run/pause/resume/cancel, progress, results.

A user sees and controls only their own jobs (`user_id`; None = an admin: every job). Jobs run in
this process's background threads (genlib/batch/runner.py); their state is in the BatchStore, so a
page in any tab, the CLI and a restarted app all see the same job.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd

from .appurl import app_url
from .batch import estimate as est
from .batch.plan import Plan, job_and_rows, plan
from .batch.results import results_frame, write_results
from .batch.runner import BatchRunner
from .batch.table import read_table
from .batchrecords import CANCELLED, DONE, FAILED, OK, PAUSED, PENDING, RUNNING, SENT, SKIPPED, BatchJob, BatchRow
from .errors import BadRequest, NotFound, StorageUnavailable
from .ids import looks_like_id



@dataclass
class BatchProgress:
    job: BatchJob
    done: int
    failed: int
    skipped: int
    remaining: int
    spend_usd: Decimal
    running_here: bool
    seconds_left: float | None

    @property
    def total(self) -> int:
        return self.done + self.failed + self.skipped + self.remaining


class Batches:
    """Mixed into Vault: needs `_backends`, `start`, `get`, `wait`, `cancel`, `budgets`, `pricer`, `provider`."""

    # -- before a run -----------------------------------------------------------------------
    def batch_plan(self, data: bytes, name: str, template: str, models: list[str], system_prompt: str | None = None,
                   params: dict | None = None, concurrency: int = 8) -> Plan:
        """Read the table and render every prompt; BadRequest for a bad file, template or setting."""
        return plan(read_table(data, name), name, template, models, system_prompt, params, concurrency)

    def batch_estimate(self, p: Plan, user_id: str) -> est.Estimate:
        config = self.budgets.config()
        max_tokens = int(p.params.get("max_tokens") or config.default_max_tokens)
        sent = [[*([{"role": "system", "content": p.system_prompt}] if p.system_prompt else []),
                 {"role": "user", "content": prompt}] for prompt in p.prompts if prompt.strip()]
        models = [est.model_estimate(m, sent, max_tokens, self._price_range(m)) for m in p.models]
        found = est.Estimate(p.rows, len(sent), p.skipped, models)
        found.budget_ok, found.budget_message = est.budget_verdict(found.worst_usd, found.expected_usd,
                                                                   self.budgets.usage(user_id))
        return found

    def _price_range(self, model: str):
        return lambda inp, out: self.pricer.estimate_range(model, self.provider.host, inp, out, "text")

    def batch_create(self, p: Plan, user_id: str) -> str:
        job, rows = job_and_rows(p, user_id)
        self._batch_store().create(job, rows)
        return job.id

    # -- running ----------------------------------------------------------------------------
    def batch_run(self, job_id: str, user_id: str | None = None) -> BatchRunner:
        """Start (or resume) the job in the background; BadRequest if it runs elsewhere or is over."""
        job = self._visible_job(job_id, user_id)
        if job.status in (CANCELLED, DONE) and not self._batch_store().rows(job.id, (PENDING, SENT), limit=1):
            raise BadRequest(f"This batch is {job.status}: nothing is left to run.")
        runners = self._batch_runners()
        mine = runners.get(job.id)
        if mine is not None and mine.thread is not None and mine.thread.is_alive():
            return mine
        runner = BatchRunner(self, self._batch_store(), job).start()
        runners[job.id] = runner
        return runner

    def batch_pause(self, job_id: str, user_id: str | None = None) -> None:
        self._control(job_id, user_id, PAUSED, "Paused.")

    def batch_cancel(self, job_id: str, user_id: str | None = None) -> None:
        self._control(job_id, user_id, CANCELLED, "Cancelled: rows not sent stay pending.")

    def _control(self, job_id: str, user_id: str | None, status: str, message: str) -> None:
        job = self._visible_job(job_id, user_id)
        if job.status == DONE or (status == PAUSED and job.status != RUNNING):
            return  # nothing running to pause, or nothing left to stop
        self._batch_store().set_job(job.id, status=status, message=message)  # a runner elsewhere reads it
        runner = self._batch_runners().get(job.id)
        if runner is not None:
            runner.stop(status, message)

    def batch_retry_failed(self, job_id: str, user_id: str | None = None) -> int:
        """Failed rows back to pending (then run them: `batch_run`); how many."""
        job = self._visible_job(job_id, user_id)
        return self._batch_store().reset_rows(job.id, FAILED, PENDING)

    def batch_wait(self, job_id: str, timeout: float | None = None) -> BatchJob:
        runner = self._batch_runners().get(job_id)
        if runner is not None and runner.thread is not None:
            runner.thread.join(timeout)
        return self._visible_job(job_id, None)

    # -- reading ----------------------------------------------------------------------------
    def batch_job(self, job_id: str, user_id: str | None = None) -> BatchJob | None:
        if not looks_like_id(job_id):
            return None
        job = self._batch_store().job(job_id)
        return job if job is not None and (user_id is None or job.user_id == user_id) else None

    def batch_jobs(self, user_id: str | None = None, limit: int = 50) -> list[BatchJob]:
        return self._batch_store().jobs(user_id, limit)

    def batch_progress(self, job_id: str, user_id: str | None = None) -> BatchProgress:
        job = self._visible_job(job_id, user_id)
        counts = self._batch_store().counts(job.id)
        n = {s: counts.get(s, (0, None))[0] for s in (OK, FAILED, SKIPPED, PENDING, SENT)}
        spend = sum((Decimal(str(c)) for _, c in counts.values() if c is not None), Decimal(0))
        runner = self._batch_runners().get(job.id)
        here = runner is not None and runner.thread is not None and runner.thread.is_alive()
        remaining = n[PENDING] + n[SENT]
        left = None
        if here and runner.finished_here:
            left = remaining * (time.monotonic() - runner.started) / runner.finished_here
        return BatchProgress(job, n[OK], n[FAILED], n[SKIPPED], remaining, spend, here, left)

    def batch_rows(self, job_id: str, user_id: str | None = None, limit: int | None = None,
                   offset: int = 0) -> list[BatchRow]:
        return self._batch_store().rows(self._visible_job(job_id, user_id).id, (), limit, offset)

    def batch_results(self, job_id: str, user_id: str | None = None, limit: int | None = None) -> pd.DataFrame:
        job = self._visible_job(job_id, user_id)
        rows = self._batch_store().rows(job.id, (), limit)
        outputs = {gen.id: gen.result_text for gen in self.get_many([row.gen_id for row in rows if row.gen_id])}
        return results_frame(job, rows, outputs, lambda gen_id: app_url(f"/generate?id={gen_id}"))

    def batch_export(self, job_id: str, dest: Path, fmt: str = "csv", user_id: str | None = None) -> Path:
        return write_results(self.batch_results(job_id, user_id), Path(dest), fmt)

    # -- internals --------------------------------------------------------------------------
    def _visible_job(self, job_id: str, user_id: str | None) -> BatchJob:
        job = self.batch_job(job_id, user_id)
        if job is None:
            raise NotFound(f"Batch {job_id} not found.")
        return job

    def _batch_store(self):
        store = self._backends.batches
        if store is None:
            raise StorageUnavailable("Batches need GenVault's DuckDB or PostgreSQL record store.")
        return store

    def _batch_runners(self) -> dict[str, BatchRunner]:
        if not hasattr(self, "_runners"):
            self._runners = {}
        return self._runners

    def _stop_batches(self) -> None:
        """At close: running jobs pause (their rows in flight are saved as interrupted, resumed later)."""
        for runner in list(self._batch_runners().values()):
            if runner.thread is not None and runner.thread.is_alive():
                runner.stop(PAUSED, "Paused: GenVault stopped while it ran. Resume it to go on.")
                self._batch_store().set_job(runner.job.id, status=PAUSED,
                                            message="Paused: GenVault stopped while it ran. Resume it to go on.")
