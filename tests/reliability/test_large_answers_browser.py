"""Very large answers in a real browser: a 5,000,000-character single-line answer's page renders
(it used to spin for 10+ minutes on the Copy block), showing the beginning with a note and "Show
all"; while a ~1 MB answer streams, each update sends a bounded amount (it used to resend it all):
the live view's event stream (ui/livestream.py) and the websocket alike.
"""
from __future__ import annotations

import re
import time

import pytest

from genlib import GenerationRequest
from tests.vaults import make_vault
from ui.textview import LIVE_TAIL_CHARS, SHOWN_CHARS

pytestmark = pytest.mark.browser
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
# Records the size of every message the live view's event stream delivers (ui/live.js reads them).
COUNT_SSE = """window.__sse = [];
window.EventSource = class extends window.EventSource {
    constructor(url, options) {
        super(url, options);
        this.addEventListener('message', e => window.__sse.push([Date.now(), e.data.length]));
    }
};"""
ANSWER = "[aria-label='Chat message from assistant'] [data-testid='stHtml']"


def test_a_5m_character_answer_page_renders_with_a_truncation_note(app_server, recording_fake, browser_page,
                                                                  tmp_path):
    recording_fake.script("big", text="x" * 5_000_000, chunks=50, delay=0)
    vault = make_vault(tmp_path / "data", recording_fake)
    gen_id = vault.start(GenerationRequest(prompt="big", model="gpt-4o-mini"), "local")
    assert len(vault.wait(gen_id, 120).result_text) == 5_000_000
    vault.close()
    app = app_server({"OPENAI_BASE_URL": recording_fake.base_url, "OPENAI_API_KEY": "test-key"},
                     data_dir=tmp_path / "data")
    page = browser_page()
    page.goto(app.url + f"/generate?id={gen_id}", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Details").wait_for()
    page.locator(IDLE).wait_for()
    page.get_by_text(f"Showing the first {SHOWN_CHARS:,} of 5,000,000 characters.").wait_for()
    assert len(page.locator(ANSWER).first.inner_text()) <= SHOWN_CHARS
    page.get_by_text("Copy answer (Markdown source)").click()
    page.get_by_text("too long to copy from here (5,000,000 characters)").wait_for()
    page.get_by_text("Show all (as plain text)").click()
    page.get_by_text("Showing all of 5,000,000 characters.").wait_for()
    page.locator(IDLE).wait_for()
    assert len(page.locator(ANSWER).first.inner_text().strip()) == 5_000_000


def test_the_live_view_sends_a_bounded_amount_per_update(app_server, recording_fake, browser_page):
    text = "".join(f"w{i} " for i in range(140_000))  # ~0.9 MB, no repeats (repeats are cached)
    recording_fake.script("stream a lot", text=text, chunks=400, delay=0.02)
    app = app_server({"OPENAI_BASE_URL": recording_fake.base_url, "OPENAI_API_KEY": "test-key",
                      "GENLIB_FLUSH_MS": "100"})
    page = browser_page()
    page.context.add_init_script(COUNT_SSE)
    received: list[tuple[float, int]] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: received.append((time.monotonic(), len(f)))))
    page.on("response", lambda r: received.append((time.monotonic(), len(r.body())))
            if "_stcore/message" in r.url else None)  # large messages may come over HTTP
    page.goto(app.url + "/generate", wait_until="domcontentloaded")
    page.locator(IDLE).wait_for()
    page.get_by_label("Prompt", exact=True).fill("stream a lot")
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url(re.compile(r"id="))
    # past half a megabyte and still growing: sample what the polls send for a while
    page.get_by_text(re.compile(rf"Showing the last {LIVE_TAIL_CHARS:,} of [5-8]\d\d,\d\d\d characters")).wait_for()
    start, start_ms = time.monotonic(), page.evaluate("Date.now()")
    live_text = len(page.locator(ANSWER).first.inner_text())
    page.wait_for_timeout(2_000)
    sizes = [size for moment, size in received if moment >= start]
    sizes += [size for moment, size in page.evaluate("window.__sse") if moment >= start_ms]
    assert live_text <= LIVE_TAIL_CHARS
    assert sizes and max(sizes) < 3 * LIVE_TAIL_CHARS, sorted(sizes)[-5:]
    page.get_by_role("heading", name="Details").wait_for(timeout=60_000)
