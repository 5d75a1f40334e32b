"""BatchStore contract: jobs and their rows saved whole, read back per user and status, a lease only
one runner holds (taken over when expired or its holder is dead), row updates and failed-row resets."""
from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

from genlib.batchrecords import FAILED, OK, PAUSED, PENDING, SENT, SKIPPED, BatchJob, BatchRow
from genlib.clock import utcnow
from genlib.ids import new_id


def job_with_rows(user="ana", rows=3, models=("m1", "m2")):
    now = utcnow()
    job = BatchJob(new_id(), user, now, now, "t.csv", "Say {name}", None, list(models), {"temperature": 0.5},
                   ["name", "größe"], 4)
    made = [BatchRow(job.id, i, m, {"name": f"n{i}", "größe": "=1+1"}, f"Say n{i}", PENDING if i else SKIPPED,
                     updated_utc=now) for i in range(rows) for m in models]
    return job, made


def test_a_job_and_its_rows_read_back(backend):
    job, rows = job_with_rows()
    backend.batches.create(job, rows)
    again = backend.reopen().batches.job(job.id)
    assert (again.models, again.params, again.columns, again.status) == (["m1", "m2"], {"temperature": 0.5},
                                                                         ["name", "größe"], "ready")
    read = backend.batches.rows(job.id)
    assert [(r.row_index, r.model) for r in read] == [(r.row_index, r.model) for r in rows]
    assert read[2].inputs == {"name": "n1", "größe": "=1+1"} and read[2].idem_key == f"{job.id}:1:m1"
    assert [r.row_index for r in backend.batches.rows(job.id, (SKIPPED,))] == [0, 0]
    assert len(backend.batches.rows(job.id, (), limit=2, offset=4)) == 2
    assert backend.batches.job(new_id()) is None


def test_jobs_are_listed_per_user_newest_first(backend):
    first, second, other = job_with_rows()[0], job_with_rows()[0], job_with_rows("bo")[0]
    second.created_utc += timedelta(seconds=1)
    for job in (first, second, other):
        backend.batches.create(job, [])
    assert [j.id for j in backend.batches.jobs("ana")] == [second.id, first.id]
    assert {j.id for j in backend.batches.jobs(None)} == {first.id, second.id, other.id}


def test_row_updates_counts_and_resets(backend):
    job, rows = job_with_rows(rows=2, models=("m1",))
    backend.batches.create(job, rows)
    backend.batches.update_rows([((job.id, 1, "m1"), {"status": SENT, "gen_id": "g" * 21, "attempts": 1})])
    assert [r.gen_id for r in backend.batches.unsettled(job.id)] == ["g" * 21]
    backend.batches.update_rows([((job.id, 1, "m1"), {"status": FAILED, "error": "500", "cost_usd": Decimal("0.25")})])
    assert backend.batches.counts(job.id)[FAILED][0] == 1
    assert Decimal(str(backend.batches.counts(job.id)[FAILED][1])) == Decimal("0.25")
    assert backend.batches.reset_rows(job.id, FAILED, PENDING) == 1
    row = backend.batches.rows(job.id, (PENDING,))[0]
    assert (row.attempts, row.error, row.cost_usd) == (0, None, Decimal("0.25"))
    backend.batches.update_rows([((job.id, 1, "m1"), {"status": OK})])
    backend.batches.set_job(job.id, status=PAUSED, message="Paused.")
    assert (backend.batches.job(job.id).status, backend.batches.job(job.id).message) == (PAUSED, "Paused.")


def test_one_runner_holds_the_lease(backend):
    job, _ = job_with_rows()
    backend.batches.create(job, [])
    assert backend.batches.lease(job.id, "a", 60)
    assert backend.batches.lease(job.id, "a", 60)  # renewed
    assert not backend.batches.lease(job.id, "b", 60)
    assert backend.batches.lease(job.id, "b", 60, replacing="a")  # a is known dead
    backend.batches.release(job.id, "a")  # not a's any more: nothing changes
    assert not backend.batches.lease(job.id, "c", 60)
    backend.batches.release(job.id, "b")
    assert backend.batches.lease(job.id, "c", 0.2)
    time.sleep(0.3)
    assert backend.batches.lease(job.id, "d", 60)  # c's lease expired
