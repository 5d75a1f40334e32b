"""The generation page and the form around it in Chromium (issue 15, items 3, 5-8 and the low ones):
navigation that behaves (New generation, Back, the sidebar link, a draft that survives a reload),
iterating on a prompt (settings kept, Edit and rerun, Regenerate with other parameters), the
page itself (summary, whole Details, copy id, tab title, compact actions, a failed generation),
the keyboard (Ctrl+Enter, Esc) and Markdown tables on a phone.
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
    GEN_URL, PROMPT, answer, goto, no_traceback, submit, wait_finished, wait_idle,
)

pytestmark = pytest.mark.browser
FORM_URL = re.compile(r"/generate$")


# True when the element's text fits its box: a Range measures the laid-out text, which an ellipsis
# or overflow:hidden ancestor does not shrink.
WHOLE_TEXT = """e => { const r = document.createRange(); r.selectNodeContents(e);
  let box = e.getBoundingClientRect(); for (let a = e; a; a = a.parentElement) {
    const s = getComputedStyle(a); if (s.overflow !== 'visible') { box = a.getBoundingClientRect(); break; } }
  return r.getBoundingClientRect().right <= box.right + 1; }"""


def summary_line(page):
    """The caption under the title: model · first token · duration · tokens · cost · parameters."""
    return page.locator("[data-testid='stCaptionContainer']", has_text=re.compile(r"^gpt-4o-mini · ")).first


def open_options(page) -> None:
    page.locator("[data-testid='stExpander']", has_text="Options").locator("summary").click()
    expect(page.get_by_label("System prompt", exact=True)).to_be_visible()


def generate_with_settings(page, app, fake, prompt: str, system: str, temperature: str, answer_text: str) -> str:
    """Submit the form with a system prompt and a temperature; returns the generation's URL, finished."""
    fake.enqueue(text=answer_text, chunks=2, delay=0.01)
    goto(page, app.at("/generate"))
    open_options(page)
    page.get_by_label("System prompt", exact=True).fill(system)
    page.get_by_label("Temperature", exact=True).fill(temperature)
    page.get_by_label("Temperature", exact=True).press("Enter")
    wait_idle(page)
    page.get_by_label("Prompt", exact=True).fill(prompt)
    page.get_by_role("button", name="Generate").click()
    expect(page).to_have_url(re.compile(GEN_URL))
    wait_finished(page)
    return page.url


def test_new_generation_keeps_settings_and_back_returns_to_the_generation(page, app, fake):
    gen_url = generate_with_settings(page, app, fake, "A first question", "You are terse.", "0.3", "First answer.")

    page.get_by_role("button", name="New generation").click()
    expect(page).to_have_url(FORM_URL)  # no ?id= left behind
    wait_idle(page)
    expect(page.get_by_label("Prompt", exact=True)).to_have_value("")
    open_options(page)
    expect(page.get_by_label("System prompt", exact=True)).to_have_value("You are terse.")
    expect(page.get_by_label("Temperature", exact=True)).to_have_value("0.30")

    page.go_back()  # a history entry: Back returns to the generation, not out of the app
    expect(page).to_have_url(gen_url)
    wait_finished(page)
    expect(answer(page)).to_have_text("First answer.")

    # the sidebar's Generate link works on a generation page too
    page.locator("[data-testid='stSidebar']").get_by_role("link", name="Generate", exact=True).click()
    expect(page).to_have_url(FORM_URL)
    expect(page.get_by_label("Prompt", exact=True)).to_be_visible()
    no_traceback(page)


def test_the_draft_prompt_survives_a_reload_and_is_forgotten_once_generated(page, app, fake):
    goto(page, app.at("/generate"))
    # page.js (loaded by a <script src> Streamlit re-creates) saves the draft on each input event: type
    # once it is wired (CI once filled the box before it was, so the one input event went unseen)
    for _ in range(150):  # polled from Python: wait_for_function evals a string, which the CSP refuses
        if page.evaluate("() => window.__gvPageWired === true"):
            break
        page.wait_for_timeout(100)
    page.get_by_label("Prompt", exact=True).fill("A draft I am still writing")
    page.reload(wait_until="domcontentloaded")
    wait_idle(page)
    expect(page.get_by_label("Prompt", exact=True)).to_have_value("A draft I am still writing", timeout=15_000)
    fake.enqueue(text="Done.", chunks=1, delay=0.01)
    page.get_by_role("button", name="Generate").click()  # the restored text is what is sent
    expect(page).to_have_url(re.compile(GEN_URL))
    wait_finished(page)
    expect(page.locator(PROMPT).first).to_have_text("A draft I am still writing")
    page.get_by_role("button", name="New generation").click()
    expect(page).to_have_url(FORM_URL)
    page.reload(wait_until="domcontentloaded")
    wait_idle(page)
    expect(page.get_by_label("Prompt", exact=True)).to_have_value("")


def test_edit_and_rerun_and_regenerate_with_other_parameters(page, app, fake):
    first = generate_with_settings(page, app, fake, "Describe Parquet", "Answer in one line.", "0.5", "Version one.")

    page.get_by_role("button", name="Edit and rerun").click()
    expect(page).to_have_url(FORM_URL)
    expect(page.get_by_label("Prompt", exact=True)).to_have_value("Describe Parquet")
    open_options(page)
    expect(page.get_by_label("System prompt", exact=True)).to_have_value("Answer in one line.")
    expect(page.get_by_label("Temperature", exact=True)).to_have_value("0.50")
    page.get_by_label("Prompt", exact=True).fill("Describe Parquet, briefly")
    fake.enqueue(text="Version two.", chunks=2, delay=0.01)
    page.get_by_role("button", name="Generate").click()
    wait_finished(page)
    assert page.url != first
    expect(summary_line(page)).to_contain_text("temperature=0.5")

    page.get_by_role("button", name="Regenerate with…").click()
    page.get_by_label("Max tokens", exact=True).last.fill("42")
    page.get_by_label("Max tokens", exact=True).last.press("Enter")
    fake.enqueue(text="Version three.", chunks=2, delay=0.01)
    page.get_by_role("button", name="Regenerate with these").click()
    expect(page).to_have_url(re.compile(GEN_URL))
    wait_finished(page)
    expect(answer(page)).to_have_text("Version three.")
    expect(summary_line(page)).to_contain_text("max_tokens=42, temperature=0.5")
    assert fake.requests[-1]["json"]["max_tokens"] == 42
    no_traceback(page)


@pytest.mark.parametrize("viewport", [{"width": 1400, "height": 1000}, {"width": 390, "height": 844}])
def test_the_page_summary_details_copy_id_title_and_compact_actions(page, app, fake, viewport):
    page.set_viewport_size(viewport)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    fake.enqueue(text="Columnar storage keeps each column together.", chunks=3, delay=0.01)
    gen_id = submit(page, app, f"Explain columnar storage in one sentence ({viewport['width']})")
    wait_finished(page)
    assert page.title().startswith("Explain columnar storage in one")
    summary = summary_line(page)
    expect(summary).to_contain_text(re.compile(r"gpt-4o-mini · first token \d"))
    expect(summary).to_contain_text("in all")
    expect(summary).to_contain_text("tokens")
    expect(summary).to_contain_text("$")
    expect(summary).to_contain_text("default parameters")
    # the status badge shows its whole word at both widths (it was cut to "com…" by a fixed column)
    badge = page.locator("[data-testid='stMain'] [data-testid='stMarkdownContainer']").get_by_text("complete").first
    expect(badge).to_be_visible()
    assert badge.evaluate(WHOLE_TEXT), "the status badge is clipped"
    if viewport["width"] > 1000:  # and on a narrower laptop window (the README's 1280 px cut it)
        page.set_viewport_size({"width": 1100, "height": viewport["height"]})
        assert badge.evaluate(WHOLE_TEXT), "the status badge is clipped at 1100 px"
        page.set_viewport_size(viewport)
    # Details whole: every row on the page, none hidden in a scroll box
    details = page.locator("[data-testid='stDataFrame']").last
    expect(details).to_be_visible()
    scroller = details.locator(".dvn-scroller").first
    assert scroller.evaluate("e => e.scrollHeight <= e.clientHeight + 1")  # no rows hidden below
    # the follow-up box sits between the answer and Details
    follow_up = page.get_by_label("Follow-up").bounding_box()
    assert answer(page).bounding_box()["y"] < follow_up["y"] < details.bounding_box()["y"]
    # actions in one compact group
    boxes = [page.get_by_role("button", name="Regenerate", exact=True).bounding_box(),
             page.get_by_role("link", name="Download answer").bounding_box()]
    if viewport["width"] > 1000:
        assert abs(boxes[0]["y"] - boxes[1]["y"]) < 5 and boxes[1]["x"] - boxes[0]["x"] < 400, boxes
    page.get_by_role("button", name="Copy id").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == gen_id
    no_traceback(page)
    if viewport["width"] > 1000:  # the title is this page's only: History has its own again
        page.locator("[data-testid='stSidebar']").get_by_role("link", name="History", exact=True).click()
        expect(page).to_have_title(re.compile("History"))


def test_a_failed_generation_offers_retry_only_and_no_empty_download(page, app, fake):
    for _ in range(3):  # the first call and the SDK's two retries
        fake.enqueue(status=500)
    submit(page, app, "This one fails at the provider.")
    wait_finished(page, "error")
    expect(page.get_by_role("button", name="Retry")).to_be_visible()
    expect(page.get_by_role("button", name="Regenerate", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Download answer")).to_have_count(0)
    expect(page.get_by_role("link", name="Download record (JSON)")).to_be_visible()


def test_ctrl_enter_generates_and_continues_and_esc_stops(page, app, fake):
    fake.enqueue(text="Keyboard answer.", chunks=2, delay=0.01)
    goto(page, app.at("/generate"))
    box = page.get_by_label("Prompt", exact=True)
    box.fill("Generated from the keyboard")
    box.press("Control+Enter")
    expect(page).to_have_url(re.compile(GEN_URL))
    wait_finished(page)
    first = page.url

    fake.enqueue(text="A long answer. " * 200, chunks=200, delay=0.1)  # 20 s unless stopped
    follow_up = page.get_by_label("Follow-up")
    follow_up.fill("And a follow-up from the keyboard")
    follow_up.press("Control+Enter")
    expect(page).not_to_have_url(first)
    expect(page.get_by_role("button", name="Stop")).to_be_visible()
    page.wait_for_function("() => (document.querySelector('.gv-live')?.innerText || '').includes('A long answer')")
    page.get_by_role("heading", name="Generation").click()  # focus the page, not a text field
    page.keyboard.press("Escape")
    wait_finished(page, "cancelled")
    expect(page.get_by_text("Stopped before the end")).to_be_visible()


def test_a_markdown_table_scrolls_sideways_on_a_phone(page, app, fake):
    page.set_viewport_size({"width": 390, "height": 844})
    header = "| " + " | ".join(f"Quarter {i} revenue" for i in range(8)) + " |"
    rule = "|" + "---|" * 8
    row = "| " + " | ".join(f"${i},000,000" for i in range(8)) + " |"
    fake.enqueue(text=f"Here are the numbers:\n\n{header}\n{rule}\n{row}\n", chunks=3, delay=0.01)
    submit(page, app, "Quarterly revenue as a wide table, please.")
    wait_finished(page)
    table = answer(page).locator("table")
    expect(table).to_be_visible()
    sizes = table.evaluate("t => ({scroll: t.scrollWidth, client: t.clientWidth, right: t.getBoundingClientRect().right,"
                           " overflow: getComputedStyle(t).overflowX})")
    assert sizes["overflow"] == "auto" and sizes["scroll"] > sizes["client"], sizes  # it scrolls ...
    assert sizes["right"] <= 390, sizes  # ... inside the screen instead of being cut off
    table.evaluate("t => { t.scrollLeft = t.scrollWidth; }")
    last = table.get_by_text("Quarter 7 revenue")
    expect(last).to_be_in_viewport()


def test_image_pages_not_found_once_progress_without_tokens_and_download_first(page, app, fake, new_context):
    goto(page, app.at("/image?id=doesnotexist000000000"))
    expect(page.get_by_role("heading", name="Image not found")).to_be_visible()
    expect(page.locator("[data-testid='stMain']").get_by_text("Image not found")).to_have_count(1)

    fake.enqueue(hang=2)  # the picture takes a while: the page shows it in progress first
    submit(page, app, "A lighthouse at night, in flat colours", kind="Image")
    stats = page.locator(".gv-live-stats")
    expect(stats).to_contain_text("elapsed")
    assert "tokens" not in stats.inner_text()  # not "≈ 0 tokens so far" for a picture
    wait_finished(page)
    expect(page.get_by_role("link", name="Download image")).to_be_visible()
    gen_id = re.search(GEN_URL, page.url).group(1)

    other = new_context().new_page()
    other.set_viewport_size({"width": 390, "height": 844})
    goto(other, app.at(f"/image?id={gen_id}"))
    download = other.get_by_role("link", name="Download image")
    expect(download).to_be_in_viewport()  # above the picture, not below the fold
    picture = other.locator("[data-testid='stMain'] img").first
    assert download.bounding_box()["y"] < picture.bounding_box()["y"]
