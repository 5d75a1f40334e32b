"""Tags, a note, a star and a rating on a generation's page, in Chromium: saved at once, the tag
suggested on the next generation, the note's Markdown rendered safely, History filtered by the URL."""
from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect  # noqa: E402

from tests.browser.helpers import goto, no_traceback, submit, wait_finished, wait_idle  # noqa: E402

pytestmark = pytest.mark.browser
NOTE = "**keep this** <script>alert('note')</script> <img src=x onerror=\"alert('img')\">"


def add_tag(page, gen_id: str, tag: str) -> None:
    """Type a new tag and close the menu (which sends it); saved, it shows normalized. Typed again
    if a rerun still in flight (the finished view replacing the live one) remounted the box."""
    box, shown = page.locator(f".st-key-tags_{gen_id} input"), page.locator(f".st-key-tags_{gen_id}")
    for attempt in range(3):
        wait_idle(page)
        box.click()
        box.fill(tag)
        box.press("Enter")
        box.press("Escape")  # the menu closes: the new value is sent
        try:
            expect(shown).to_contain_text(tag.lower(), timeout=10_000)
            return
        except AssertionError:
            if attempt == 2:
                raise


def test_a_tag_added_while_the_answer_streams_survives_its_end(page, app, fake):
    """A tag added while the answer streams is saved and still shown when the finished view
    replaces the live one (drawn in its own container, so the marks below keep their place)."""
    fake.enqueue(text="slow " * 60, chunks=60, delay=0.05)
    gen_id = submit(page, app, "Tagged while streaming")
    box = page.locator(f".st-key-tags_{gen_id} input")
    box.click()
    box.fill("Mid Stream")
    box.press("Enter")
    page.locator("[data-testid='stMain'] h1").first.click()  # closes the menu (Esc would be Stop here)
    wait_finished(page)
    expect(page.locator(f".st-key-tags_{gen_id}")).to_contain_text("mid stream")
    page.reload(wait_until="domcontentloaded")  # saved, not only shown
    wait_idle(page)
    expect(page.locator(f".st-key-tags_{gen_id}")).to_contain_text("mid stream")


def test_marks_are_saved_at_once_suggested_and_filter_history(page, app, fake):
    fake.enqueue(text="First answer.")
    first = submit(page, app, "Marked generation")
    wait_finished(page)
    add_tag(page, first, "Project Z")  # saved, shown normalized
    page.locator(f".st-key-star_{first} button").click()
    expect(page.locator(f".st-key-star_{first} button")).to_contain_text("Starred")
    wait_idle(page)
    page.locator(f".st-key-rating_{first} button").first.click()  # thumbs up
    wait_idle(page)
    page.get_by_text("Add a note").click()
    page.get_by_label("Note (Markdown)").fill(NOTE)
    expect(page.get_by_label("Note (Markdown)")).to_have_value(NOTE)
    wait_idle(page)
    page.get_by_role("button", name="Save note").click()
    note = page.locator(".gv-md strong", has_text="keep this")
    expect(note).to_be_visible()
    page.reload(wait_until="domcontentloaded")  # saved, not only in this session
    wait_idle(page)
    expect(page.locator(".gv-md strong", has_text="keep this")).to_be_visible()
    expect(page.locator(f".st-key-star_{first} button")).to_contain_text("Starred")
    assert page.dialogs == []  # neither the script nor the onerror ran

    fake.enqueue(text="Second answer.")
    second = submit(page, app, "Unmarked generation")
    wait_finished(page)
    page.locator(f".st-key-tags_{second} input").click()
    page.locator(f".st-key-tags_{second} input").fill("proj")
    expect(page.get_by_role("option", name="project z")).to_be_visible()  # suggested from those in use
    page.keyboard.press("Escape")

    goto(page, app.at("/history?tag=project+z&starred=true&rating=up&has_note=true"))
    grid = page.locator("[data-testid='stDataFrame']")
    expect(grid.locator("[role='gridcell']", has_text="Marked generation")).to_have_count(1)
    expect(grid.locator("[role='gridcell']", has_text="Unmarked generation")).to_have_count(0)
    no_traceback(page)
