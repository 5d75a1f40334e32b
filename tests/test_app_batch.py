"""AppTest: the Batch page — the form without a file, a job's progress, results and downloads, not-yours ids."""
from __future__ import annotations

from tests.apptext import unescaped

BATCH = "pages/batch.py"


def finished_job(vault, user="local") -> str:
    plan = vault.batch_plan("name,n\nAna,1\n,2\nBo,3\n".encode(), "people.csv", "{name}", ["offline-demo"])
    job_id = vault.batch_create(plan, user)
    vault.batch_run(job_id, user)
    vault.batch_wait(job_id, 60)
    return job_id


def test_the_form_asks_for_a_table_and_lists_recent_jobs(open_app, app_vault):
    finished_job(app_vault)
    at = open_app(BATCH)
    assert not at.exception
    assert "Upload a table" in " ".join(i.value for i in at.info)


def test_a_job_page_shows_progress_results_and_downloads(open_app, app_vault):
    job_id = finished_job(app_vault)
    at = open_app(BATCH, id=job_id)
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Done"] == "2" and metrics["Failed"] == "0" and metrics["Remaining"] == "0"
    assert "1 rows skipped" in " ".join(unescaped(c.value) for c in at.caption)
    frame = at.dataframe[0].value
    assert list(frame["batch_status"]) == ["done", "skipped", "done"] and frame["batch_link"][0].startswith("generate?id=")


def test_someone_elses_or_a_bad_id_is_not_found(open_app, app_vault):
    job_id = finished_job(app_vault, user="someone-else")
    for wanted in (job_id, "not-an-id"):
        at = open_app(BATCH, login="ana@example.com", id=wanted)
        assert not at.exception and at.title[0].value == "Batch not found"
