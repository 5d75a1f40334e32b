"""History and Costs in a real browser, at 1400×1000 and on a phone (390×844): a row opens its
generation and Back brings the filtered view back, the grid fits and its Id copies, the toolbar
leaves headings alone, a reversed range is swapped in the pickers, and `$` amounts show as written.

Same app server and fake provider as test_app_browser.py (tests/browser/conftest.py); each test
makes its own generations with its own words, so the shared data dir doesn't matter.
"""
from __future__ import annotations

import re
import shutil
from urllib.parse import parse_qs, urlparse

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -r requirements-dev.txt)")
if shutil.which("chromium") is None:
    pytest.skip("Debian's chromium is not installed (make chromium)", allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

from tests.browser.helpers import (  # noqa: E402
    GEN_URL, answer, flat, goto, no_traceback, submit, wait_finished, wait_idle,
)

pytestmark = pytest.mark.browser

DESKTOP, PHONE = {"width": 1400, "height": 1000}, {"width": 390, "height": 844}
GRID = "[data-testid='stDataFrame']"
HEADER_PX, ROW_PX = 35, 35  # the grid's header and row heights (Streamlit's defaults)
ID = re.compile(r"^[A-Za-z0-9_-]{21}$")


def make(page, app, fake, prompts: list[str], answers: list[str] | None = None) -> list[str]:
    ids = []
    for i, prompt in enumerate(prompts):
        fake.enqueue(text=(answers or [f"Answer number {i}."] * len(prompts))[i], chunks=3, delay=0.01)
        ids.append(submit(page, app, prompt))
        wait_finished(page)
    return ids


def cells(page, grid: int = 0) -> list[str]:
    """The text of the grid's drawn cells (its accessible table; the grid itself is a canvas)."""
    return page.locator(GRID).nth(grid).locator("[role='gridcell']").all_inner_texts()


def grid_ids(page, grid: int = 0) -> list[str]:
    return [text for text in cells(page, grid) if ID.match(text)]


def click_cell(page, row: int, x_from_left: float | None = None, x_from_right: float | None = None) -> None:
    box = page.locator(GRID).first.bounding_box()
    x = box["x"] + x_from_left if x_from_left is not None else box["x"] + box["width"] - x_from_right
    page.mouse.click(x, box["y"] + HEADER_PX + ROW_PX * row + ROW_PX / 2)


def query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def overlaps(a: dict, b: dict) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def test_a_row_opens_its_generation_and_back_brings_the_filtered_view_back(page, app, fake):
    page.set_viewport_size(DESKTOP)
    ids = make(page, app, fake, [f"Wombatlantern question {i}?" for i in range(3)])
    view = "/history?q=wombatlantern&status=complete&kind=text&order=Best+match"
    goto(page, app.at(view))
    expect(page.locator(GRID)).to_be_visible()
    expect(page.locator(GRID).locator("[role='gridcell']", has_text="» question 0?")).to_have_count(1)
    shown = grid_ids(page)
    assert sorted(shown) == sorted(ids)  # each id shown whole
    # Every column fits beside the sidebar at 1400 px: the grid doesn't scroll sideways.
    assert page.locator(GRID).locator("[role='columnheader']").all_inner_texts() == [
        "Time", "Match", "Image", "Model", "Status", "Tokens", "Cost", "Id"]
    assert page.evaluate(f"""() => {{ const s = document.querySelector("{GRID} .dvn-scroller");
        return s.scrollWidth <= s.clientWidth + 1; }}""")
    assert "None" not in cells(page)  # a text row's Image cell is blank
    expect(page.get_by_text("Open a generation")).to_have_count(0)  # no link list repeating the table

    click_cell(page, row=1, x_from_left=200)  # the Match (the prompt, here) of the second row
    expect(page).to_have_url(re.compile(GEN_URL))
    assert re.search(GEN_URL, page.url).group(1) == shown[1]
    wait_finished(page)

    page.go_back()
    expect(page).to_have_url(re.compile(r"/history\?(?!.*\bid=)"))
    wait_idle(page)
    assert query(page.url) == {"q": "wombatlantern", "status": "complete", "kind": "text", "order": "Best match"}
    expect(page.get_by_role("textbox", name="Search", exact=True)).to_have_value("wombatlantern")
    expect(page.locator("[data-testid='stExpander'] summary")).to_contain_text(
        "Filters: status complete, kind text, best match first")
    expect(page.locator(GRID).locator("[role='gridcell']", has_text="» question 0?")).to_have_count(1)
    assert grid_ids(page) == shown
    no_traceback(page)


def test_a_click_on_the_id_selects_it_for_copying_instead_of_opening(page, app, fake):
    page.set_viewport_size(DESKTOP)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app.url)
    [gen_id] = make(page, app, fake, ["Quetzalpebble, copy my id."])
    goto(page, app.at("/history?q=quetzalpebble"))
    expect(page.locator(GRID).locator("[role='gridcell']", has_text=gen_id)).to_have_count(1)
    click_cell(page, row=0, x_from_right=90)  # inside the Id column, the last one
    wait_idle(page)
    page.keyboard.press("Control+c")
    page.wait_for_function("async (want) => (await navigator.clipboard.readText()) === want", arg=gen_id)
    assert urlparse(page.url).path.endswith("/history")  # still here: the Id click opened nothing


def test_on_a_phone_the_filters_are_folded_and_rows_show_on_the_first_screen(page, app, fake):
    make(page, app, fake, ["Narwhalkettle on a small screen?"])
    page.set_viewport_size(PHONE)
    goto(page, app.at("/history?q=narwhalkettle&kind=text"))
    summary = page.locator("[data-testid='stExpander'] summary")
    expect(summary).to_contain_text("Filters: kind text")
    expect(page.get_by_role("combobox", name="Status", exact=True)).not_to_be_visible()  # folded away
    expect(page.locator(GRID).locator("[role='gridcell']", has_text="Narwhalkettle")).to_have_count(1)
    box = page.locator(GRID).bounding_box()
    assert box["y"] + HEADER_PX + ROW_PX <= PHONE["height"]  # the first row is on the first screen
    summary.click()
    expect(page.get_by_role("combobox", name="Status", exact=True)).to_be_visible()
    no_traceback(page)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1400x1000", "390x844"])
def test_the_table_toolbar_leaves_the_most_expensive_heading_alone(page, app, fake, viewport):
    make(page, app, fake, [f"Pangolinbrass priced answer at {viewport['width']} px."])
    page.set_viewport_size(viewport)
    goto(page, app.at("/costs"))
    heading = page.get_by_role("heading", name="Most expensive generations")
    heading.scroll_into_view_if_needed()
    table = page.locator(GRID).last
    expect(table).to_be_visible()
    table.hover()  # the toolbar shows on hover (on a phone, on every touch)
    toolbar = page.locator("[data-testid='stElementToolbar']").last
    expect(toolbar).to_be_visible()
    assert not overlaps(toolbar.bounding_box(), heading.bounding_box())
    no_traceback(page)


def test_a_reversed_costs_range_is_swapped_in_the_pickers_too(page, app):
    page.set_viewport_size(DESKTOP)
    goto(page, app.at("/costs?from=2026-03-20&to=2026-03-01"))
    expect(page.locator("[data-testid='stAlert']", has_text="swapped it")).to_be_visible()
    for picker, day in (("From", "01"), ("To", "20")):  # the pickers show the swapped range
        expect(page.get_by_role("spinbutton", name=f"month, {picker}", exact=True)).to_have_text("03")
        expect(page.get_by_role("spinbutton", name=f"day, {picker}", exact=True)).to_have_text(day)
    expect(page).to_have_url(re.compile(r"from=2026-03-01"))
    assert query(page.url) == {"from": "2026-03-01", "to": "2026-03-20"}
    day = page.get_by_role("spinbutton", name="day, From", exact=True)  # now move From past To by hand
    day.click()
    page.keyboard.type("25")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # leaving the picker (past its calendar button) commits the date
    expect(page.get_by_role("spinbutton", name="day, To", exact=True)).to_have_text("25")
    expect(day).to_have_text("20")
    expect(page).to_have_url(re.compile(r"to=2026-03-25"))
    assert query(page.url) == {"from": "2026-03-20", "to": "2026-03-25"}
    no_traceback(page)


def test_a_reversed_history_range_is_swapped_in_the_url_and_the_pickers(page, app):
    page.set_viewport_size(DESKTOP)
    goto(page, app.at("/history?from=2026-03-20&to=2026-03-01"))
    expect(page.locator("[data-testid='stAlert']", has_text="swapped it")).to_be_visible()
    expect(page).to_have_url(re.compile(r"from=2026-03-01"))
    assert query(page.url) == {"from": "2026-03-01", "to": "2026-03-20"}
    page.get_by_text("Filters: from 2026-03-01, to 2026-03-20").click()  # the collapsed filters
    for picker, day in (("From", "01"), ("To", "20")):
        expect(page.get_by_role("spinbutton", name=f"day, {picker}", exact=True)).to_have_text(day)
    no_traceback(page)


def test_dollar_amounts_show_as_written_in_the_answer_and_in_history(page, app, fake):
    page.set_viewport_size(DESKTOP)
    said = "Gerbilsextant says: it costs $5 and then $10 more."
    make(page, app, fake, ["Gerbilquiz: what does it cost, $5 or $10?"], [said])
    expect(answer(page)).to_have_text(said)  # no math between the two `$`
    expect(page.locator("[data-testid='stMain'] .katex")).to_have_count(0)
    goto(page, app.at("/history"))  # newest first: this one is the first row
    expect(page.locator(GRID).locator("[role='gridcell']", has_text="$5 or $10?")).to_have_count(1)
    goto(page, app.at("/history?q=gerbilsextant"))  # found in the answer: its passage, matched word marked
    expect(page.locator(GRID).locator("[role='gridcell']", has_text="«Gerbilsextant»")).to_have_count(1)
    matched = [flat(c) for c in cells(page) if "«" in c]
    assert matched == ["«Gerbilsextant» says: it costs $5 and then $10 more."]
    expect(page.locator("[data-testid='stMain'] .katex")).to_have_count(0)
    no_traceback(page)
