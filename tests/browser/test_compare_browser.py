"""The Compare page in Chromium (issue 13): two models stream side by side in live columns, a second
browser opening the group's URL sees the same group live, a failing model shows its error only in its
own column, and a blind pick reveals the names (and survives a reload). Counts, not timings: the
overhead is measured by bench/compare.py. With GENVAULT_SCREENSHOTS=1 it writes docs/screenshots/compare.png.
"""
from __future__ import annotations

import re
import shutil
import time

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -r requirements-dev.txt)")
if shutil.which("chromium") is None:
    pytest.skip("Debian's chromium is not installed (make chromium)", allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

from tests.browser.helpers import choose, goto, no_traceback, screenshot, wait_idle  # noqa: E402

pytestmark = pytest.mark.browser
GROUP_URL = re.compile(r"/compare\?id=([A-Za-z0-9_-]{21})$")
LIVE_TEXTS = "() => [...document.querySelectorAll('.gv-live')].map(e => e.innerText.trim().length)"
SLOW = dict(text="Columnar storage keeps each column together, so scans read less. " * 6, chunks=60, delay=0.08)


@pytest.fixture
def models(fake):
    """Per-model behaviour of the shared fake, removed after the test."""
    yield fake.by_model
    fake.by_model.clear()


def start(page, app, prompt: str, second: str, blind: bool = False) -> str:
    goto(page, app.at("/compare"))
    page.get_by_label("Prompt", exact=True).fill(prompt)
    page.get_by_label("Prompt", exact=True).blur()
    wait_idle(page)
    choose(page, "Model 1", "gpt-4o-mini")
    choose(page, "Model 2", second)
    if blind:
        page.get_by_text("Blind: hide the model names", exact=False).click()
        wait_idle(page)
    expect(page.get_by_text(re.compile(r"Estimated total cost: \$"))).to_be_visible()
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page).to_have_url(GROUP_URL)
    return GROUP_URL.search(page.url).group(1)


def poll(page, script: str, ok, timeout_s: float = 60.0):
    """page.evaluate until ok(value) (wait_for_function is blocked by the app's CSP)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = page.evaluate(script)
        if ok(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_two_models_stream_side_by_side_and_a_second_browser_sees_the_same_group(page, app, models, new_context):
    models.update({"gpt-4o-mini": SLOW, "gpt-4.1-mini": SLOW})
    start(page, app, "Why are columnar databases fast?", "gpt-4.1-mini")
    grown = poll(page, LIVE_TEXTS, lambda v: len(v) == 2 and all(n > 0 for n in v))
    assert len(grown) == 2 and all(n > 0 for n in grown), grown  # both columns show text while streaming
    other = new_context().new_page()
    goto(other, page.url)
    assert len(poll(other, LIVE_TEXTS, lambda v: len(v) == 2)) == 2 or \
        other.get_by_text("Which answer is better?").is_visible()  # live, unless it already ended
    for tab in (page, other):
        expect(tab.get_by_text("Which answer is better?")).to_be_visible(timeout=60_000)
        expect(tab.locator("[data-testid='stMain']").get_by_text("Columnar storage keeps")).to_have_count(2)
        no_traceback(tab)
    screenshot(page, "compare.png")


def test_a_failing_model_errs_in_its_column_and_a_blind_pick_reveals_the_names(page, app, models):
    models["fake-model"] = {"status": 400, "message": "The model fake-model does not exist"}
    group_id = start(page, app, "Name a prime number", "fake-model", blind=True)
    expect(page.get_by_text("Which answer is better?")).to_be_visible(timeout=60_000)
    main = page.locator("[data-testid='stMain']")
    columns = main.locator("[data-testid='stColumn']")
    expect(columns.nth(0)).to_contain_text("Model A")
    expect(columns.nth(1)).to_contain_text("does not exist")  # the error only in its own column
    expect(columns.nth(0)).not_to_contain_text("does not exist")
    assert "gpt-4o-mini" not in main.inner_text()  # blind: no names until the pick
    page.get_by_role("button", name="Model A", exact=True).click()
    expect(main.get_by_text(re.compile(r"Picked: gpt-4o-mini"))).to_be_visible()
    goto(page, app.at(f"/compare?id={group_id}"))  # reload: the same group, the pick kept
    expect(main.get_by_text(re.compile(r"Picked: gpt-4o-mini"))).to_be_visible()
    expect(columns.nth(1)).to_contain_text("fake-model")
    goto(page, app.at("/compare"))
    expect(page.get_by_text("Leaderboard")).to_be_visible()
    expect(main.locator("[data-testid='stDataFrame']").first).to_be_visible()
    no_traceback(page)


def test_stop_one_column_then_stop_all(page, app, models):
    slow = dict(text="Slow answer word. " * 100, chunks=100, delay=0.3)  # ~30 s unless stopped
    models.update({"gpt-4o-mini": slow, "gpt-4.1-mini": slow})
    start(page, app, "Take your time", "gpt-4.1-mini")
    poll(page, LIVE_TEXTS, lambda v: len(v) == 2 and all(n > 0 for n in v))
    columns = page.locator("[data-testid='stMain'] [data-testid='stColumn']")
    columns.nth(0).get_by_role("button", name="Stop", exact=True).click()
    expect(columns.nth(0)).to_contain_text("cancelled")
    expect(columns.nth(1)).to_contain_text("streaming")  # the other one goes on
    page.get_by_role("button", name="Stop all").click()
    expect(page.get_by_text("Which answer is better?")).to_be_visible()
    expect(columns.nth(1)).to_contain_text("cancelled")
    expect(columns.nth(0)).to_contain_text("Slow answer word.")  # the partial text is kept
    no_traceback(page)
