"""The Batch page in Chromium (issue 13): upload a table, preview and estimate, run, kill -9 the app
mid-job, restart it, resume from the page (each row paid for one finished answer), download results."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -r requirements-dev.txt)")
if shutil.which("chromium") is None:
    pytest.skip("Debian's chromium is not installed (make chromium)", allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

from genlib import Filters  # noqa: E402
from tests.apphealth import stop, wait_healthy  # noqa: E402
from tests.browser.conftest import ROOT, free_port  # noqa: E402
from tests.browser.helpers import goto, no_traceback, screenshot, wait_idle  # noqa: E402
from tests.vaults import make_vault  # noqa: E402

pytestmark = pytest.mark.browser
ROWS = 16


def start_app(data_dir: Path, fake, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENLIB_", "OPENAI_", "STREAMLIT_"))}
    env.update(GENLIB_DATA_DIR=str(data_dir), OPENAI_BASE_URL=fake.base_url, OPENAI_API_KEY="test-key",
               GENLIB_FLUSH_MS="100", GENLIB_MAX_RETRIES="0", PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless",
           "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, proc, lambda: log.read_text(errors="replace"))
    return proc, url


def metric(page, label: str) -> int:
    text = page.locator("[data-testid='stMetric']", has_text=label).first.inner_text()
    return int(re.sub(r"\D", "", text.split(label, 1)[1]) or 0)


def wait_metric(page, label: str, at_least: int, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if metric(page, label) >= at_least:
                return
        except Exception:  # noqa: BLE001 - the fragment may be redrawing
            pass
        page.wait_for_timeout(200)
    raise AssertionError(f"{label} never reached {at_least}")


def test_upload_estimate_run_crash_resume_download(page, fake, tmp_path):
    table = tmp_path / "topics.csv"
    table.write_text("the topic,note\n" + "".join(f"topic {i},n{i}\n" for i in range(ROWS)), encoding="utf-8")
    work = Path(tempfile.mkdtemp(prefix="genvault-batch-browser-"))
    data_dir, log = work / "data", work / "streamlit.log"
    saved = dict(fake.default)
    fake.default.update(chunks=10, delay=0.08)  # ~0.8 s a row: the kill lands mid-job
    proc, url = start_app(data_dir, fake, log)
    try:
        goto(page, url + "/batch")
        page.locator("input[type='file']").set_input_files(str(table))
        wait_idle(page)
        template = page.get_by_label("Prompt template")
        template.fill("Write one line about {the topic}")
        template.press("Control+Enter")
        page.get_by_label("Concurrency").fill("2")
        page.get_by_label("Concurrency").press("Enter")
        wait_idle(page)
        main = page.locator("[data-testid='stMain']")
        expect(main).to_contain_text("Row 3")
        expect(main).to_contain_text("Write one line about topic 2")
        expect(main).to_contain_text("estimated: no tokenizer installed")
        no_traceback(page)
        page.get_by_role("button", name="Run batch").click()
        expect(page).to_have_url(re.compile(r"/batch\?id=[A-Za-z0-9_-]{21}$"))
        job_url = page.url.split("/batch", 1)[1]
        expect(main).to_contain_text("Done")  # the progress block is drawn
        deadline = time.monotonic() + 60
        while fake.calls("chat") < 3 and time.monotonic() < deadline:
            time.sleep(0.02)  # by the provider's count, not the page's: a loaded machine's page lags
        os.killpg(proc.pid, signal.SIGKILL)  # the whole app, mid-job
        proc.wait(10)
        before = fake.calls("chat")
        assert before < ROWS
        proc, url = start_app(data_dir, fake, log)
        goto(page, url + "/batch" + job_url)
        expect(page.locator("[data-testid='stMain']")).to_contain_text("interrupted")
        page.get_by_role("button", name="Resume").click()
        wait_metric(page, "Done", ROWS, timeout_s=120)
        expect(page.locator("[data-testid='stMain']")).to_contain_text("Status: done")
        with page.expect_download() as download:
            page.get_by_role("link", name="Download CSV").click()
        text = Path(download.value.path()).read_text(encoding="utf-8")
        assert text.count("/generate?id=") == ROWS and '"the topic"' in text
        screenshot(page, "batch.png")
        no_traceback(page)
    finally:
        fake.default.clear()
        fake.default.update(saved)
        stop(proc)
    vault = make_vault(data_dir)
    try:
        complete = Counter(g.prompt for g in vault.search(Filters(status="complete"), page_size=100).items)
    finally:
        vault.close()
    assert len(complete) == ROWS and set(complete.values()) == {1}  # one finished answer paid per row
    shutil.rmtree(work, ignore_errors=True)
