"""The app in a real browser: Chromium (Playwright) against `streamlit run app.py` and the FakeProvider.

One app server for the whole module (tests/browser/conftest.py); every test opens its own fresh
browser context, uses its own prompts (so the dedup cache only answers where a test wants it to)
and scripts the provider with `fake.enqueue(...)`. Waits are Playwright's auto-retrying `expect`s
with generous timeouts: nothing here asserts timing with a sleep.
"""
from __future__ import annotations

import re
import shutil

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -r requirements-dev.txt)")
if shutil.which("chromium") is None:
    pytest.skip("Debian's chromium is not installed (make chromium)", allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

from tests.browser.helpers import (  # noqa: E402
    ANSWER, GEN_URL, PROMPT, answer, expect_app_navigation, flat, goto, no_traceback, screenshot, status,
    submit, wait_finished, wait_idle,
)

pytestmark = pytest.mark.browser

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Plain prose (no Markdown syntax): what the browser shows is the text itself, so it can be compared.
STORY = ("DuckDB runs inside the analyst's own process, so there is no server to install or babysit. "
         "It reads Parquet and CSV files where they lie, scans columns in parallel and keeps whole "
         "tables in memory only when it must. A laptop can aggregate hundreds of millions of rows in "
         "seconds, which is why teams reach for it before they reach for a warehouse.")
STORY_CHUNKS = 40  # streamed in 40 pieces ...
SLOW = 0.2         # ... one every 0.2 s: about 8 s, plenty of time to watch, reload or stop


def answer_text(page) -> str:
    return flat(answer(page).inner_text())


def wait_for_partial(page, at_least: int = 20) -> str:
    """Wait until some (not all) of STORY is on screen; returns it."""
    page.wait_for_function("""([sel, n]) => {
        const e = document.querySelector(sel);
        return e !== null && e.innerText.startsWith("DuckDB") && e.innerText.length >= n;
    }""", arg=[ANSWER, at_least])
    return answer_text(page)


def test_submit_moves_to_the_id_url_at_once_and_the_answer_streams_in(page, app, fake):
    fake.enqueue(text=STORY, chunks=STORY_CHUNKS, delay=SLOW)
    gen_id = submit(page, app, "Why would an analytics team pick DuckDB? One paragraph.")
    # The URL holds the id while the answer is still arriving.
    expect(page).to_have_url(re.compile(GEN_URL))
    expect(page.get_by_role("button", name="Stop")).to_be_visible()
    assert answer_text(page) != flat(STORY)
    first = wait_for_partial(page)
    assert flat(STORY).startswith(first) and first != flat(STORY)
    page.wait_for_function("([sel, n]) => document.querySelector(sel)?.innerText.length > n",
                           arg=[ANSWER, len(first)])
    assert flat(STORY).startswith(answer_text(page))  # more text, still in order
    wait_finished(page)
    expect(answer(page)).to_have_text(STORY)
    assert re.search(GEN_URL, page.url).group(1) == gen_id
    expect(page.get_by_text("gpt-4o-mini ·")).to_contain_text("$")  # model, tokens and a cost
    expect(page.get_by_role("button", name="Stop")).to_have_count(0)
    # Run first on a fresh server, this also covers Streamlit's legacy `pages/` mode (ui/nav.py).
    expect_app_navigation(page)
    no_traceback(page)


def test_reload_mid_stream_shows_what_was_saved_then_the_rest(page, app, fake):
    fake.enqueue(text=STORY, chunks=STORY_CHUNKS, delay=1.5 * SLOW)  # room for a slow reload
    gen_id = submit(page, app, "Explain DuckDB to a new analyst, please.")
    before = wait_for_partial(page)
    page.reload(wait_until="domcontentloaded")
    wait_idle(page)
    assert re.search(GEN_URL, page.url).group(1) == gen_id
    expect(status(page)).to_have_text(re.compile(r"\bstreaming$"))  # really mid-stream
    assert flat(STORY).startswith(answer_text(page))
    assert len(answer_text(page)) >= len(before)  # nothing received before the reload is lost
    wait_finished(page)
    expect(answer(page)).to_have_text(STORY)
    no_traceback(page)


def test_the_id_url_in_a_fresh_browser_shows_the_same_answer(page, app, fake, new_context):
    markdown = ("DuckDB in three points:\n\n"
                "- **In-process**: it runs inside Python or R, with no server to run.\n"
                "- **Columnar and parallel**: aggregations over millions of rows take seconds.\n"
                "- **Reads files in place**: `SELECT * FROM 'sales.parquet'` just works.\n\n"
                "Pick it for local analytics; pick a warehouse for many concurrent writers.")
    fake.enqueue(text=markdown, chunks=8, delay=0.02)
    prompt = "Summarise DuckDB in three bullet points."
    gen_id = submit(page, app, prompt)
    wait_finished(page)
    shown = answer(page).inner_text()
    assert "In-process" in shown and "**" not in shown  # rendered Markdown
    screenshot(page, "generate.png")

    other = new_context().new_page()
    goto(other, page.url)
    wait_finished(other)
    assert re.search(GEN_URL, other.url).group(1) == gen_id
    expect(other.locator(PROMPT).first).to_have_text(prompt)
    expect(answer(other)).to_have_text(shown)
    no_traceback(other)

    # `/?id=` forwards to the same generation.
    third = new_context().new_page()
    goto(third, app.at(f"/?id={gen_id}"))
    expect(third).to_have_url(re.compile(GEN_URL))
    expect(answer(third)).to_have_text(shown)


def test_stop_mid_stream_keeps_the_partial_answer(page, app, fake):
    long_story = " ".join([STORY] * 3)
    fake.enqueue(text=long_story, chunks=120, delay=SLOW)  # about 24 s if nobody stops it
    submit(page, app, "Tell me everything about DuckDB, at length.")
    wait_for_partial(page, at_least=40)
    page.get_by_role("button", name="Stop").click()
    wait_finished(page, "cancelled")
    expect(page.get_by_text("Stopped before the end")).to_be_visible()
    kept = answer_text(page)
    assert len(kept) >= 40 and flat(long_story).startswith(kept) and kept != flat(long_story)
    expect(page.get_by_role("button", name="Stop")).to_have_count(0)
    no_traceback(page)


def test_an_image_generation_and_its_image_page_in_a_fresh_browser(page, app, fake, new_context):
    submit(page, app, "A lighthouse at dusk, flat colours", kind="Image", size="512x512")
    wait_finished(page)
    expect(page.locator("[aria-label='Chat message from assistant'] img")).to_be_visible()
    expect(page.get_by_text("512×512")).to_be_visible()  # the caption: the size that was asked
    link = page.get_by_role("link", name="Open the image alone")
    href = link.get_attribute("href")
    assert href and "image?id=" in href
    gen_id = href.split("id=")[1]
    assert fake.calls("images") >= 1

    other = new_context().new_page()
    goto(other, app.at(f"/image?id={gen_id}"))
    picture = other.locator("[data-testid='stMain'] img").first
    expect(picture).to_be_visible()
    assert other.evaluate("img => img.complete && img.naturalWidth > 0", picture.element_handle())
    assert picture.get_attribute("src") == f"files/image/{gen_id}/0"  # the app's route, not /media
    link = other.get_by_role("link", name="Download image")
    expect(link).to_be_visible()
    with other.context.expect_page() as opened, other.expect_download() as download:
        link.click()  # a new tab that turns into a download (Content-Disposition: attachment)
    opened.value.close()
    assert download.value.suggested_filename == f"{gen_id}-0.png"
    assert open(download.value.path(), "rb").read(8) == PNG_MAGIC
    expect_app_navigation(other)
    no_traceback(other)
    screenshot(other, "image.png")


def test_history_search_from_the_url_shows_only_the_matching_row(page, app, fake):
    for prompt in ("Name three uses of a quokkabird in SQL tutorials.",
                   "Name three uses of window functions in reports."):
        submit(page, app, prompt)
        wait_finished(page)
    goto(page, app.at("/history"))
    expect(page.locator("[data-testid='stDataFrame']")).to_be_visible()
    screenshot(page, "history.png")

    goto(page, app.at("/history?q=quokkabird"))
    expect(page.get_by_role("textbox", name="Search", exact=True)).to_have_value("quokkabird")
    grid = page.locator("[data-testid='stDataFrame'] [role='gridcell']")  # the grid's accessible cells
    expect(grid.filter(has_text="«quokkabird»")).to_have_count(1)
    assert len([c for c in grid.all_inner_texts() if re.fullmatch(r"[A-Za-z0-9_-]{21}", c)]) == 1  # one row
    no_traceback(page)


def test_costs_page_shows_the_total_cost_in_dollars(page, app, fake):
    submit(page, app, "What does a window function do? Two sentences.")
    wait_finished(page)
    goto(page, app.at("/costs"))
    total = page.locator("[data-testid='stMetric']", has_text="Total cost")
    expect(total.locator("[data-testid='stMetricValue']")).to_have_text(re.compile(r"^\$\d[\d,]*(\.\d+)?$"))
    assert total.locator("[data-testid='stMetricValue']").inner_text() != "$0"
    expect(page.locator("[data-testid='stVegaLiteChart']").first).to_be_visible()
    no_traceback(page)
    screenshot(page, "costs.png")


def test_an_unknown_id_says_not_found_without_a_traceback(page, app):
    goto(page, app.at("/generate?id=doesnotexist000000000"))
    expect(page.get_by_role("heading", name="Generation not found")).to_be_visible()
    expect(page.get_by_role("link", name="New generation")).to_be_visible()
    expect_app_navigation(page)
    no_traceback(page)


def test_a_provider_error_is_shown_with_retry(page, app, fake):
    for _ in range(3):  # the first call and the SDK's two retries
        fake.enqueue(status=500)
    before = fake.calls("chat")
    first_id = submit(page, app, "This request meets a broken provider.")
    wait_finished(page, "error")
    alert = page.locator("[data-testid='stAlert']", has_text="server had an error")
    expect(alert).to_be_visible()
    assert fake.calls("chat") - before == 3
    retry = page.get_by_role("button", name="Retry")
    expect(retry).to_be_visible()
    no_traceback(page)

    retry.click()  # the provider works again: a new generation, linked to the failed one
    expect(page).not_to_have_url(re.compile(re.escape(first_id)))
    wait_finished(page)
    expect(answer(page)).to_contain_text("This request meets a broken provider.")


def test_an_identical_request_is_served_from_the_cache_without_a_call(page, app, fake):
    prompt = "List two benefits of columnar storage."
    fake.enqueue(text="Scans read only the columns they need, and similar values compress well.")
    first_id = submit(page, app, prompt)
    wait_finished(page)
    first_answer = answer_text(page)
    calls = fake.calls("chat")

    second_id = submit(page, app, prompt)
    wait_finished(page)
    assert second_id != first_id
    expect(page.get_by_text("Served from the cache")).to_be_visible()
    assert answer_text(page) == first_answer
    expect(page.get_by_role("link", name="Open the original generation")).to_be_visible()
    assert fake.calls("chat") == calls
    no_traceback(page)


def test_model_output_with_script_and_remote_image_is_inert(page, app, fake):
    port = fake.base_url.split(":")[2].split("/")[0]
    track = f"http://127.0.0.1:{port}/track.png"
    evil = (f"Here you go <script>alert(1)</script> and a picture ![x]({track}) "
            f"and <img src=\"{track}?img\" onerror=\"alert(2)\"> done.")
    fake.enqueue(text=evil, chunks=5, delay=0.02)
    submit(page, app, f"Show me <script>alert(3)</script> ![y]({track}?prompt) please.")
    wait_finished(page)
    expect(answer(page)).to_contain_text("<script>alert(1)</script>")  # shown as text
    expect(page.locator("img[src*='track.png']")).to_have_count(0)
    # the only scripts are the app's own helpers, same-origin files (ui/pagescript.py, ui/livestream.py)
    scripts = page.locator("[data-testid='stMain'] script")
    sources = [scripts.nth(i).get_attribute("src") for i in range(scripts.count())]
    assert all(re.fullmatch(r"live/(live|page)\.js\?v=\w+", src or "") for src in sources), sources
    goto(page, app.at("/history"))  # the history table and its links draw the same text
    page.wait_for_load_state("networkidle")
    assert page.dialogs == []
    assert fake.calls("/track.png") == 0, [r["path"] for r in fake.requests if "track" in r["path"]]
    no_traceback(page)
