"""Runs a batch job in the background: bounded concurrency, a lease, budget stops, retries, crash resume.

One runner per job at a time, by lease (BatchStore.lease, renewed every RENEW_S): a second tab or
process sees it running; a runner that died (kill -9) is replaced once its lease expires, or at once
when it was a process on this machine that no longer exists. Before a row's request leaves, its
generation id is saved with it (Vault.start's `on_saved`), so after a crash a finished row is never
sent again and a row cut mid-stream is retried (its interrupted generation stays, with its cost).
Pause and Cancel are job states any tab sets; the runner reads them at every renewal.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from decimal import Decimal

from ..batchrecords import CANCELLED, DONE, FAILED, OK, PAUSED, PENDING, RUNNING, SENT, BatchJob, BatchRow
from ..errors import BadRequest, BudgetExceeded, GenlibError, RateLimited
from ..ids import new_id
from ..records import CANCELLED as GEN_CANCELLED, COMPLETE, LIVE_STATUSES, GenerationRequest

log = logging.getLogger(__name__)
LEASE_S, RENEW_S = 15.0, 1.0
SETTLE_S = 0.1  # finished rows are saved in one transaction per interval, off the rows' threads
MAX_ATTEMPTS = 3  # provider errors (429, 500, a dropped stream): retried with backoff, then failed
BACKOFF_S = (1.0, 4.0, 10.0)
PLAN_AHEAD = 16  # rows given their generation ids (saved as SENT) in one write, before any is sent


def new_runner_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{new_id()[:8]}"


def is_dead(runner_id: str | None) -> bool:
    """A runner of a process on this machine that no longer exists (its lease need not be waited out)."""
    try:
        host, pid, _ = (runner_id or "").rsplit(":", 2)
        if host != socket.gethostname()[:40] or int(pid) == os.getpid():
            return False
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (ValueError, PermissionError, OSError):
        return False
    return False


class BatchRunner:
    def __init__(self, vault, batches, job: BatchJob):
        self.vault, self.batches, self.job = vault, batches, job
        self.runner_id = new_runner_id()
        self.started = time.monotonic()
        self.finished_here = 0  # rows settled by this run: the rate for "time left"
        self._stop: str | None = None  # PAUSED / CANCELLED, and why
        self._why: str | None = None
        self._lock = threading.Lock()
        self._inflight: set[str] = set()
        self._queue: list[BatchRow] = []
        self._settled: list[tuple] = []  # (row key, values) of finished rows not saved yet
        # Provider requests in flight are bounded, not threads: a row frees its slot when its stream
        # ends and waits for its final record's commit outside it (twice the threads, same requests).
        self._slots = threading.BoundedSemaphore(job.concurrency)
        self._planned: dict[tuple, str] = {}  # row key -> its next generation id (saved with the row)
        self.thread: threading.Thread | None = None

    # -- control ----------------------------------------------------------------------------
    def claim(self) -> None:
        """Take the job's lease, or say who runs it; raises BadRequest when another runner holds it."""
        if not self.batches.lease(self.job.id, self.runner_id, LEASE_S, self._dead_holder()):
            raise BadRequest("This batch is already running (in another process or tab's server); "
                             "it can be resumed here once that run stops.")
        self.batches.set_job(self.job.id, status=RUNNING, message=None)  # seen by every tab at once

    def start(self) -> "BatchRunner":
        self.claim()
        self.thread = threading.Thread(target=self.run_claimed, name=f"batch-{self.job.id}", daemon=True)
        self.thread.start()
        return self

    def stop(self, status: str, why: str | None = None) -> None:
        """Stop taking rows (PAUSED: the rows in flight finish; CANCELLED: they are cancelled too)."""
        with self._lock:
            if self._stop is None or status == CANCELLED:
                self._stop, self._why = status, why
            inflight = list(self._inflight) if status == CANCELLED else []
        for gen_id in inflight:
            self.vault.cancel(gen_id)

    # -- the run ----------------------------------------------------------------------------
    def run_claimed(self) -> str:
        """Run the claimed job to its end, a pause or a cancel; the job's final status."""
        try:
            self._settle_unsettled()
            self._queue = list(reversed(self.batches.rows(self.job.id, (PENDING,))))
            workers = [threading.Thread(target=self._work, daemon=True, name=f"batch-row-{i}")
                       for i in range(min(2 * self.job.concurrency, max(1, len(self._queue))))]
            for w in workers:
                w.start()
            watched = time.monotonic()
            for worker in workers:  # the lease is renewed (and Pause/Cancel read) while any runs
                while worker.is_alive():
                    worker.join(SETTLE_S)
                    self._save_settled()
                    if time.monotonic() - watched >= RENEW_S:
                        self._watch()
                        watched = time.monotonic()
            self._save_settled()
            return self._finish()
        except Exception as exc:  # noqa: BLE001 - the job must say why it stopped, never die silently
            log.exception("batch %s stopped", self.job.id)
            self.batches.set_job(self.job.id, status=PAUSED, message=f"Paused: {exc}")
            return PAUSED
        finally:
            self.batches.release(self.job.id, self.runner_id)

    def _save_settled(self) -> None:
        """Finished rows, saved together. Until then a row stays SENT with its generation id: a crash
        here loses nothing (resume reads the finished generation and never sends it again)."""
        with self._lock:
            settled, self._settled = self._settled, []
        if settled:
            self.batches.update_rows(settled)

    def _watch(self) -> None:
        """Renew the lease and read the job: a Pause or Cancel from any tab stops this run."""
        if not self.batches.lease(self.job.id, self.runner_id, LEASE_S):
            self.stop(PAUSED, "Paused: another runner took the job over.")
            return
        current = self.batches.job(self.job.id)
        if current is not None and current.status in (PAUSED, CANCELLED):
            self.stop(current.status, current.message)

    def _finish(self) -> str:
        if self._stop is not None:
            status, message = self._stop, self._why
        else:
            failed = self.batches.counts(self.job.id).get(FAILED, (0, None))[0]
            status, message = DONE, (f"{failed:,} rows failed: retry them alone." if failed else None)
        self.batches.set_job(self.job.id, status=status, message=message)
        return status

    def _settle_unsettled(self) -> None:
        """Rows a crashed run had sent: finished ones are kept, the others are sent again."""
        updates = []
        for row in self.batches.unsettled(self.job.id):
            gen = self.vault.get(row.gen_id) if row.gen_id else None
            if gen is None:  # its id was planned but it was never started: not an attempt
                updates.append((row.key, {"status": PENDING, "gen_id": None, "attempts": max(0, row.attempts - 1)}))
                continue
            if gen is not None and gen.status in LIVE_STATUSES and self.vault.registry.get(gen.id) is not None:
                gen = self.vault.wait(gen.id)  # still streaming in this process (a pause, then resume)
            updates.append((row.key, self._outcome(row, gen, row.attempts)))
        self.batches.update_rows(updates)

    def _next(self) -> tuple[BatchRow, str] | None:
        """The next row and its generation id. Ids are planned PLAN_AHEAD rows at a time and saved
        with the rows (SENT) before any of them is sent: one write per 16 rows instead of one per
        row, and a crash still leaves every sent row knowing its generation (one never started
        has no record, and is simply sent on resume)."""
        with self._lock:
            if self._stop is not None or not self._queue:
                return None
            row = self._queue.pop()
            if row.key not in self._planned:
                ahead = [row] + [r for r in self._queue[-(PLAN_AHEAD - 1):] if r.key not in self._planned]
                ids = {r.key: new_id() for r in ahead}
                self.batches.update_rows([(r.key, {"status": SENT, "gen_id": ids[r.key], "attempts": r.attempts + 1})
                                          for r in ahead])
                self._planned.update(ids)
            return row, self._planned.pop(row.key)

    def _work(self) -> None:
        while True:
            found = self._next()
            if found is None:
                return
            row, gen_id = found
            try:
                self._run_row(row, gen_id)
            except Exception as exc:  # noqa: BLE001 - one row never ends the job
                log.exception("batch row %s failed", row.idem_key)
                self.batches.update_rows([(row.key, {"status": FAILED, "error": f"GenVault error: {exc}"})])
            self.finished_here += 1

    def _run_row(self, row: BatchRow, gen_id: str) -> None:
        request = GenerationRequest(row.prompt, row.model, system_prompt=self.job.system_prompt,
                                    params=dict(self.job.params))
        while self._stop is None:
            attempts = row.attempts + 1
            if gen_id is None:  # a retry: a new id, saved with the row before it is sent
                gen_id = new_id()
                self.batches.update_rows([(row.key, {"status": SENT, "gen_id": gen_id, "attempts": attempts})])
            self._slots.acquire()
            with self._lock:
                self._inflight.add(gen_id)  # from here a Cancel stops its stream
            try:
                self.vault.start(request, self.job.user_id, gen_id=gen_id)
                self.vault.wait_received(gen_id)
            except RateLimited:
                time.sleep(BACKOFF_S[0])
                continue
            except BudgetExceeded as exc:  # the row was not sent: back to pending, not an attempt
                self.stop(PAUSED, f"Paused: {exc} Resume once the budget allows it.")
                self.batches.update_rows([(row.key, {"status": PENDING, "gen_id": None, "attempts": row.attempts})])
                return
            except GenlibError as exc:
                self.batches.update_rows([(row.key, {"status": FAILED, "error": str(exc)})])
                return
            finally:
                self._slots.release()
            try:
                gen = self.vault.wait(gen_id)
            finally:
                with self._lock:
                    self._inflight.discard(gen_id)
            values = self._outcome(row, gen, attempts)
            with self._lock:
                self._settled.append((row.key, values))
            row.attempts, row.cost_usd, gen_id = attempts, values.get("cost_usd", row.cost_usd), None
            if values["status"] != PENDING or self._stop is not None:
                return
            self._sleep(BACKOFF_S[min(attempts, len(BACKOFF_S)) - 1])

    def _outcome(self, row: BatchRow, gen, attempts: int) -> dict:
        """The row's fields after its generation `gen` ended (None: it was never saved)."""
        cost = row.cost_usd
        if gen is not None and gen.cost_usd is not None and not gen.cached_from:
            cost = (cost or Decimal(0)) + Decimal(gen.cost_usd)
        values = {"cost_usd": cost, "gen_id": gen.id if gen else row.gen_id}
        if gen is not None and gen.status == COMPLETE:
            return {**values, "status": OK, "error": None}
        error = (gen.error if gen is not None else None) or (gen.status if gen is not None else "not sent")
        if gen is not None and gen.status == GEN_CANCELLED and self._stop is not None:
            return {**values, "status": PENDING, "error": None}  # cancelled by a pause or cancel: not an attempt
        if attempts >= MAX_ATTEMPTS:
            return {**values, "status": FAILED, "error": error}
        return {**values, "status": PENDING, "error": error}

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while self._stop is None and time.monotonic() < end:
            time.sleep(0.1)

    def _dead_holder(self) -> str | None:
        current = self.batches.job(self.job.id)
        holder = current.runner_id if current is not None else None
        return holder if is_dead(holder) else None
