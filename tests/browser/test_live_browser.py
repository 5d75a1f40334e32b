"""The live view in Chromium (issue 15, items 1-2): the answer arrives in many small visible steps,
in the tab that started it and in a second tab following it, never shows raw Markdown syntax
mid-stream, follows the growing answer unless the reader scrolls up, and hands over to the
finished view. A long prompt is collapsed behind "Show all". Counts, not timings: the speed
figures are measured by bench/ui_live.py.
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
    PROMPT, answer, flat, goto, no_traceback, status, submit, wait_finished,
)

pytestmark = pytest.mark.browser

# Every visible state of the live answer: its text at each change (a MutationObserver).
RECORD = """() => {
    window.__seen = [];
    const note = () => {
        const root = document.querySelector('.gv-live');
        const text = root ? root.innerText.trim() : '';
        if (text && window.__seen[window.__seen.length - 1] !== text) window.__seen.push(text);
    };
    new MutationObserver(note).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""
MARKDOWN = ("**This really matters**: DuckDB is *fast* for `GROUP BY` queries.\n\n"
            "- one **bold** point about [the docs](https://duckdb.org/docs) and columnar scans\n"
            "- a second point, with ~~struck~~ text and more words to stream\n\n"
            "```sql\nSELECT day, sum(cost) FROM generations GROUP BY day;\n```\n\n"
            "That is **all** for now, with a final `code` span and *emphasis* to end.")


def seen(page) -> list[str]:
    return page.evaluate("window.__seen")


def test_the_answer_arrives_in_many_steps_in_both_tabs_without_raw_markdown(page, app, fake, new_context):
    fake.enqueue(text=MARKDOWN, chunks=60, delay=0.15)  # about 9 s, one piece every 150 ms
    goto(page, app.at("/generate"))
    page.evaluate(RECORD)
    page.get_by_label("Prompt", exact=True).fill("Why DuckDB? With some Markdown, please.")
    page.get_by_role("button", name="Generate").click()
    expect(page).to_have_url(re.compile(r"/generate\?id="))

    follower = new_context().new_page()
    goto(follower, page.url)
    follower.evaluate(RECORD)
    expect(status(follower)).to_have_text(re.compile(r"\bstreaming$"))
    follower.wait_for_function("() => window.__seen.length >= 3")  # it grows in the second tab too

    wait_finished(page)
    wait_finished(follower)
    for tab in (page, follower):
        states = seen(tab)
        assert len(states) >= 8, states  # many visible steps, not a few big jumps
        for text in states:  # no raw syntax: every partial state was rendered Markdown
            assert "**" not in text and "`" not in text and "](" not in text and "~~" not in text, text
        final = flat(answer(tab).inner_text())
        assert final.startswith("This really matters: DuckDB is fast for GROUP BY queries.")
        assert "**" not in final
        expect(tab.locator(".gv-live")).to_have_count(0)  # the finished view replaced the live one
        expect(tab.get_by_role("heading", name="Details")).to_be_visible()
        no_traceback(tab)
    assert len(flat(seen(follower)[0])) < len(flat(final))  # the second tab saw it while it grew


def test_the_view_follows_the_growing_answer_until_the_reader_scrolls_up(page, app, fake):
    paragraphs = "\n\n".join(f"Paragraph {i}: " + "columnar engines scan only what they need. " * 6
                             for i in range(40))
    fake.enqueue(text=paragraphs, chunks=200, delay=0.05)  # about 10 s
    page.set_viewport_size({"width": 1400, "height": 700})
    submit(page, app, "Write forty paragraphs about columnar engines.")
    main = page.locator("[data-testid='stMain']")
    # it follows: the newest text stays on screen as the page grows past the fold
    page.wait_for_function("""() => {
        const root = document.querySelector('.gv-live');
        return root && root.innerText.includes('Paragraph 12');
    }""")
    box = page.evaluate("""() => {
        const root = document.querySelector('.gv-live').getBoundingClientRect();
        return {bottom: root.bottom, height: window.innerHeight};
    }""")
    assert box["bottom"] <= box["height"] + 60, box  # the end of the answer is in view
    # the reader scrolls up: the page stays where they put it while text keeps coming
    main.hover()
    page.mouse.wheel(0, -600)
    page.wait_for_function("() => document.querySelector('.gv-live').innerText.includes('Paragraph 13')")
    held = page.evaluate("() => document.querySelector('.gv-live').getBoundingClientRect().bottom")
    page.wait_for_function("() => document.querySelector('.gv-live').innerText.includes('Paragraph 18')")
    later = page.evaluate("() => document.querySelector('.gv-live').getBoundingClientRect().bottom")
    assert later > held + 100, (held, later)  # it grew below the fold instead of scrolling
    page.get_by_role("button", name="Stop").click()
    wait_finished(page, "cancelled")


@pytest.mark.parametrize("viewport", [{"width": 1400, "height": 900}, {"width": 390, "height": 844}])
def test_a_long_prompt_is_collapsed_with_show_all(page, app, fake, viewport):
    page.set_viewport_size(viewport)
    prompt = "Summarise these notes.\n\n" + "\n".join(f"Note {i}: the quarterly numbers moved again." for i in range(60))
    fake.enqueue(text="A short summary.", chunks=2, delay=0.01)
    submit(page, app, prompt + f" ({viewport['width']})")
    wait_finished(page)
    shown = page.locator(PROMPT).first
    expect(shown).to_contain_text("Note 3:")
    assert "Note 59" not in shown.inner_text()
    toggle = page.get_by_text(re.compile(r"^Show all \("))
    expect(toggle).to_be_visible()
    toggle.click()
    expect(page.locator(PROMPT).first).to_contain_text("Note 59: the quarterly numbers moved again.")
    no_traceback(page)
