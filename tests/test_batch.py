"""Batch runs (issue 13): table reading, templates, estimates, a run, retries, pause/resume, exports."""
from __future__ import annotations

import json
import time

import pandas as pd
import pytest

from genlib.batch import runner as runner_module
from genlib.batch.table import MAX_ROWS, read_table
from genlib.batch.template import parse
from genlib.batchrecords import DONE, FAILED, OK, PAUSED, SKIPPED
from genlib.errors import BadRequest

CSV = "name,the city,ville é\nAna,Lisbon,x\nBo,Porto,y\n  ,  ,z\nCy,=SUM(A1),w\n".encode()


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    monkeypatch.setattr(runner_module, "BACKOFF_S", (0.01, 0.01, 0.01))
    monkeypatch.setattr(runner_module, "RENEW_S", 0.1)


def test_unicode_and_spaced_column_names_render():
    frame = read_table(CSV, "people.csv")
    assert list(frame.columns) == ["name", "the city", "ville é"]
    template = parse("Hi {name} from {the city} ({ville é}) {{literal}}", list(frame.columns))
    assert template.render(frame.iloc[0].to_dict()) == "Hi Ana from Lisbon (x) {literal}"


@pytest.mark.parametrize("text, words", [("Hi {nme}", ["{nme}", "{name}"]), ("Hi {", ["unmatched"]), ("  ", ["empty"])])
def test_bad_templates_are_clear_errors(text, words):
    with pytest.raises(BadRequest) as err:
        parse(text, ["name", "the city"])
    assert all(w in str(err.value) for w in words)


@pytest.mark.parametrize("data, name, words", [
    (b"", "e.csv", ["empty"]), (b"a,b\n", "h.csv", ["no rows"]),
    ("name\nJos\xe9\n".encode("latin-1"), "l.csv", ["not UTF-8", "byte 9"]),
    (b"PAR1 not really", "x.parquet", ["Parquet"]),
])
def test_bad_files_are_clear_errors(data, name, words):
    with pytest.raises(BadRequest) as err:
        read_table(data, name)
    assert all(w in str(err.value) for w in words), str(err.value)


def test_a_table_over_the_limit_is_refused():
    data = ("n\n" + "1\n" * (MAX_ROWS + 1)).encode()
    with pytest.raises(BadRequest, match="at most 100,000"):
        read_table(data, "big.csv")


def test_parquet_is_read(tmp_path):
    pd.DataFrame({"q": ["a", "b"], "n": [1, 2]}).to_parquet(tmp_path / "t.parquet")
    frame = read_table((tmp_path / "t.parquet").read_bytes(), "t.parquet")
    assert frame.to_dict("records") == [{"q": "a", "n": "1"}, {"q": "b", "n": "2"}]


def test_plan_skips_empty_renders_and_previews_three(vault):
    plan = vault.batch_plan(CSV, "people.csv", "{name}", ["gpt-4o-mini"])
    assert plan.skipped == [3] and [n for n, _ in plan.preview()] == [1, 2, 4]
    estimate = vault.batch_estimate(plan, "ana")
    assert estimate.sent_rows == 3 and estimate.input_tokens > 0 and not estimate.counted
    assert "estimated" in estimate.tokens_label and estimate.worst_usd >= estimate.expected_usd > 0


def test_a_run_finishes_every_row_once_and_exports(vault, fake, tmp_path):
    plan = vault.batch_plan(CSV, "people.csv", "{name}", ["gpt-4o-mini", "gpt-4.1-mini"], concurrency=3)
    job_id = vault.batch_create(plan, "ana")
    vault.batch_run(job_id, "ana")
    job = vault.batch_wait(job_id, timeout=60)
    assert job.status == DONE
    progress = vault.batch_progress(job_id, "ana")
    assert (progress.done, progress.failed, progress.skipped, progress.remaining) == (6, 0, 2, 0)
    assert fake.calls("chat") == 6 and progress.spend_usd > 0
    rows = vault.batch_rows(job_id, "ana")
    assert {r.status for r in rows} == {OK, SKIPPED} and all(vault.get(r.gen_id) for r in rows if r.status == OK)
    csv_text = vault.batch_export(job_id, tmp_path / "r.csv", "csv", "ana").read_text()
    assert "\"'=SUM(A1)\"" in csv_text and "/generate?id=" in csv_text
    lines = (vault.batch_export(job_id, tmp_path / "r.jsonl", "jsonl", "ana")).read_text().splitlines()
    assert json.loads(lines[-1])["the city"] == "=SUM(A1)" and len(lines) == 8
    assert len(pd.read_parquet(vault.batch_export(job_id, tmp_path / "r.parquet", "parquet", "ana"))) == 8
    assert vault.batch_job(job_id, "bo") is None and vault.batch_jobs("bo") == []


def test_provider_errors_retry_then_fail_and_failed_rows_retry_alone(vault, fake):
    for _ in range(3):
        fake.enqueue(status=500)
    plan = vault.batch_plan(b"q\nonly\n", "one.csv", "{q}", ["gpt-4o-mini"], concurrency=1)
    job_id = vault.batch_create(plan, "ana")
    vault.batch_run(job_id, "ana")
    assert vault.batch_wait(job_id, 60).status == DONE
    (row,) = vault.batch_rows(job_id, "ana")
    assert row.status == FAILED and row.attempts == 3 and row.error
    assert vault.batch_retry_failed(job_id, "ana") == 1
    vault.batch_run(job_id, "ana")
    vault.batch_wait(job_id, 60)
    assert vault.batch_rows(job_id, "ana")[0].status == OK


def test_a_dropped_stream_is_retried(vault, fake):
    fake.enqueue(text="one two three four", chunks=4, drop_after=2)
    plan = vault.batch_plan(b"q\nonly\n", "one.csv", "{q}", ["gpt-4o-mini"], concurrency=1)
    job_id = vault.batch_create(plan, "ana")
    vault.batch_run(job_id, "ana")
    vault.batch_wait(job_id, 60)
    (row,) = vault.batch_rows(job_id, "ana")
    assert row.status == OK and row.attempts == 2 and fake.calls("chat") == 2


def test_pause_and_resume_with_a_partial_export(vault, fake, tmp_path):
    fake.default.update(delay=0.05, chunks=5)
    data = ("q\n" + "".join(f"row {i}\n" for i in range(12))).encode()
    job_id = vault.batch_create(vault.batch_plan(data, "t.csv", "{q}", ["gpt-4o-mini"], concurrency=2), "ana")
    vault.batch_run(job_id, "ana")
    while vault.batch_progress(job_id, "ana").done < 1:  # polling a background run, not a timing
        time.sleep(0.02)
    vault.batch_pause(job_id, "ana")
    assert vault.batch_wait(job_id, 60).status == PAUSED
    assert vault.batch_progress(job_id, "ana").remaining > 0
    partial = vault.batch_export(job_id, tmp_path / "partial.jsonl", "jsonl", "ana").read_text().splitlines()
    statuses = [json.loads(line)["batch_status"] for line in partial]
    assert len(statuses) == 12 and "done" in statuses and {"pending", "sent"} & set(statuses)
    vault.batch_run(job_id, "ana")
    assert vault.batch_wait(job_id, 60).status == DONE
    assert fake.calls("chat") == 12


def test_a_spent_budget_pauses_the_job(vault, fake):
    from tests.budget_helpers import write_budgets
    write_budgets(vault, "[default_user]\ndaily_usd = 0.0000001\n")
    job_id = vault.batch_create(vault.batch_plan(b"q\na\nb\n", "t.csv", "{q}", ["gpt-4o-mini"]), "ana")
    estimate = vault.batch_estimate(vault.batch_plan(b"q\na\nb\n", "t.csv", "{q}", ["gpt-4o-mini"]), "ana")
    assert not estimate.budget_ok
    vault.batch_run(job_id, "ana")
    job = vault.batch_wait(job_id, 60)
    assert job.status == PAUSED and "budget" in job.message.lower() and fake.calls("chat") == 0
