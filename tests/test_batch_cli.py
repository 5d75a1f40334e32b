"""`python -m genlib batch`: run with an estimate and a progress bar, status, export, and a kill -9
mid-job resumed by `batch resume` without paying twice for a row."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from genlib import Filters
from tests.fakeprovider import FakeProvider
from tests.vaults import make_vault

ROOT = Path(__file__).resolve().parents[1]
ROWS = 24


@pytest.fixture
def env(tmp_path):
    fake = FakeProvider().start()
    values = {**os.environ, "GENLIB_DATA_DIR": str(tmp_path / "data"), "OPENAI_BASE_URL": fake.base_url,
              "OPENAI_API_KEY": "sk-test", "GENLIB_USER": "cli-user", "GENLIB_MAX_RETRIES": "0"}
    yield fake, values
    fake.stop()


def genlib(values, *args, **kwargs):
    return subprocess.run([sys.executable, "-m", "genlib", *args], cwd=ROOT, env=values, capture_output=True,
                          text=True, timeout=120, **kwargs)


def table(tmp_path, rows=ROWS) -> Path:
    path = tmp_path / "in.csv"
    pd.DataFrame({"item name": [f"thing {i}" for i in range(rows)]}).to_csv(path, index=False)
    return path


def test_run_status_export(env, tmp_path):
    fake, values = env
    out = genlib(values, "batch", "run", str(table(tmp_path, 5)), "--template", "Describe {item name}",
                 "-m", "gpt-4o-mini", "--yes")
    assert out.returncode == 0, out.stderr
    assert "estimated" in out.stdout and "worst case" in out.stdout and "/batch?id=" in out.stdout
    job_id = out.stdout.split("job ", 1)[1].split()[0]
    assert fake.calls("chat") == 5 and "5 done" in out.stdout
    status = genlib(values, "batch", "status", job_id)
    assert "done: 5 done, 0 failed" in status.stdout
    assert genlib(values, "batch", "export", job_id, str(tmp_path / "r.parquet")).returncode == 0
    assert len(pd.read_parquet(tmp_path / "r.parquet")) == 5
    unknown = genlib(values, "batch", "run", str(table(tmp_path, 2)), "--template", "{nope}", "-m", "x", "--yes")
    assert unknown.returncode == 1 and "Unknown placeholder {nope}" in unknown.stderr and "Traceback" not in unknown.stderr


def test_without_yes_and_no_terminal_nothing_is_sent(env, tmp_path):
    fake, values = env
    out = genlib(values, "batch", "run", str(table(tmp_path, 3)), "--template", "{item name}", "-m", "gpt-4o-mini",
                 stdin=subprocess.DEVNULL)
    assert out.returncode == 1 and "Nothing was sent" in out.stdout and fake.calls("chat") == 0


def test_kill_9_mid_job_then_resume_pays_once_per_finished_row(env, tmp_path):
    fake, values = env
    fake.default.update(chunks=8, delay=0.05)  # ~0.4 s a row
    proc = subprocess.Popen([sys.executable, "-m", "genlib", "batch", "run", str(table(tmp_path)), "--template",
                             "Describe {item name}", "-m", "gpt-4o-mini", "--concurrency", "4", "--yes"],
                            cwd=ROOT, env=values, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    job_id = None
    for line in proc.stdout:
        if line.startswith("job "):
            job_id = line.split()[1]
            break
    deadline = time.monotonic() + 60
    while fake.calls("chat") < 10 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    sent_before = fake.calls("chat")
    assert job_id and 10 <= sent_before < ROWS
    out = genlib(values, "batch", "resume", job_id)
    assert out.returncode == 0, out.stdout + out.stderr
    calls = Counter(r["json"]["messages"][-1]["content"] for r in fake.requests if r["path"] == "/v1/chat/completions")
    assert set(calls) == {f"Describe thing {i}" for i in range(ROWS)}
    twice = [p for p, n in calls.items() if n > 1]
    # Only rows in flight at the kill (streaming, or ending: at most twice the concurrency) were sent
    # again, once each; a row whose generation had finished was never sent again.
    assert max(calls.values()) <= 2 and len(twice) <= 8
    assert fake.calls("chat") == ROWS + len(twice)
    assert f"done: {ROWS} done, 0 failed" in genlib(values, "batch", "status", job_id).stdout
    vault = make_vault(Path(values["GENLIB_DATA_DIR"]))
    try:
        complete = Counter(g.prompt for g in vault.search(Filters(status="complete"), page_size=100).items)
        interrupted = Counter(g.prompt for g in vault.search(Filters(status="interrupted"), page_size=100).items)
    finally:
        vault.close()
    assert set(complete.values()) == {1} and len(complete) == ROWS  # each row paid for one finished answer
    # The second calls were only for rows the kill cut (a row cut before its request left has an
    # interrupted generation and a single call).
    assert set(twice) <= set(interrupted)
