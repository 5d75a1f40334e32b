"""A batch job end to end on a team deployment (PostgreSQL, Redis, S3 on moto): run, a second replica
sees it and can't take it over while it runs, then resumes it after the first stops mid-job."""
from __future__ import annotations

from tests.services import team_urls
from tests.vaults import make_vault


def test_a_batch_runs_on_the_team_backends_and_another_replica_resumes_it(tmp_path, fake, pg_schema, redis_space,
                                                                           s3_bucket):
    urls = team_urls(pg_schema, redis_space, s3_bucket)
    one = make_vault(tmp_path / "one", fake, **urls)
    two = make_vault(tmp_path / "two", fake, **urls)
    try:
        fake.default.update(chunks=5, delay=0.05)
        data = ("q\n" + "".join(f"row {i}\n" for i in range(10))).encode()
        job_id = one.batch_create(one.batch_plan(data, "t.csv", "{q}", ["gpt-4o-mini"], concurrency=2), "ana")
        one.batch_run(job_id, "ana")
        assert two.batch_job(job_id, "ana").status == "running"
        try:
            two.batch_run(job_id, "ana")
            raise AssertionError("a second replica took over a running job")
        except Exception as exc:  # noqa: BLE001 - BadRequest, said plainly
            assert "already running" in str(exc)
        two.batch_pause(job_id, "ana")  # from the other replica: the runner reads it within a second
        assert one.batch_wait(job_id, 60).status == "paused"
        two.batch_run(job_id, "ana")
        assert two.batch_wait(job_id, 60).status == "done"
        progress = two.batch_progress(job_id, "ana")
        assert (progress.done, progress.remaining) == (10, 0) and fake.calls("chat") == 10
    finally:
        fake.default.clear()
        two.close()
        one.close()
