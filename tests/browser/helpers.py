"""Page helpers shared by the browser tests (locators, waits, the form, screenshots)."""
from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
# Screenshots for the README are refreshed only on request (GENVAULT_SCREENSHOTS=1), so that an
# ordinary `make test` leaves the work tree clean; otherwise they go to a git-ignored folder.
SCREENSHOTS = (ROOT / "docs" / "screenshots" if os.environ.get("GENVAULT_SCREENSHOTS")
               else ROOT / "tests" / "artifacts")
# Generous: a 2-core machine running Chromium, Streamlit and the fake at once is slow at times.
TIMEOUT_MS = 30_000
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
expect.set_options(timeout=TIMEOUT_MS)


class App:
    """The running app: its base URL, data dir and log file."""

    def __init__(self, url: str, data_dir: Path, log: Path):
        self.url, self.data_dir, self.log = url, data_dir, log

    def at(self, path: str) -> str:
        return self.url + path


ANSWER = "[aria-label='Chat message from assistant'] [data-testid='stHtml']"
PROMPT = "[aria-label='Chat message from user'] [data-testid='stHtml']"
GEN_URL = r"/generate\?id=([A-Za-z0-9_-]{21})$"
NAV_PAGES = ("Generate", "History", "Costs", "Compare", "Batch", "Shares")  # the sidebar's links, in order


def wait_idle(page: Page) -> None:
    """The app has drawn something and its script is not running: assert only after this."""
    expect(page.locator("[data-testid='stMain'] [data-testid='stElementContainer']").first).to_be_visible()
    expect(page.locator(IDLE)).to_be_visible()


def goto(page: Page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_idle(page)


def no_traceback(page: Page) -> None:
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    assert "Traceback" not in page.locator("[data-testid='stMain']").inner_text()


def expect_app_navigation(page: Page) -> None:
    """The sidebar is app.py's: its pages and the sign-in line (not Streamlit's file list)."""
    sidebar = page.locator("[data-testid='stSidebar']")
    expect(sidebar.get_by_role("link")).to_have_count(len(NAV_PAGES))
    for name in NAV_PAGES:
        expect(sidebar.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(sidebar).to_contain_text("Single-user mode: local")


def answer(page: Page):
    """The assistant's answer (the first st.html block in the assistant message: ui/safe_markdown.py)."""
    return page.locator(ANSWER).first


def status(page: Page):
    """The status badge of the generation page (its text is "<icon name> <status>")."""
    return page.locator("[data-testid='stMain'] .stMarkdownBadge").first


def flat(text: str) -> str:
    return " ".join(text.split())


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option in a Streamlit selectbox."""
    box = page.get_by_role("combobox", name=label, exact=True)
    opener = page.locator("[data-testid='stSelectbox']", has=box).get_by_role("button", name="Open")
    item = page.get_by_role("listbox", name=label).locator("[role='option']",
                                                          has_text=re.compile(rf"^{re.escape(option)}$"))
    for attempt in range(5):  # a click during an expander's animation can land before it is ready
        if box.get_attribute("aria-expanded") != "true":
            opener.click()
        try:
            expect(item).to_be_visible(timeout=3_000)
            break
        except AssertionError:
            if attempt == 4:
                raise
    item.click()
    expect(box).to_have_value(option)
    wait_idle(page)


def submit(page: Page, app: App, prompt: str, *, kind: str = "Text", size: str | None = None) -> str:
    """Fill the Generate form (Output, an image size) and submit; returns the id once the URL holds it."""
    goto(page, app.at("/generate"))
    if kind != "Text":
        page.locator("[data-testid='stRadio']").get_by_text(kind, exact=True).click()
        # the rerun puts the models for this output first (image models have "image" in their name)
        expect(page.get_by_role("combobox", name="Model", exact=True)).to_have_value(re.compile(kind.lower()))
        wait_idle(page)
    if size:
        page.locator("[data-testid='stExpander']", has_text="Options").locator("summary").click()
        choose(page, "Image size", size)
    page.get_by_label("Prompt", exact=True).fill(prompt)
    page.get_by_role("button", name="Generate").click()
    expect(page).to_have_url(re.compile(GEN_URL))
    return re.search(GEN_URL, page.url).group(1)


def wait_finished(page: Page, state: str = "complete") -> None:
    expect(status(page)).to_have_text(re.compile(rf"\b{state}$"), timeout=60_000)
    wait_idle(page)


def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG in docs/screenshots: the viewport grows to the whole scrolled main area
    first (Streamlit scrolls inside stMain, so a plain full-page shot would stop at the fold)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    for _ in range(3):  # the layout may reflow once after a resize
        height = page.evaluate("""() => {
            const main = document.querySelector("[data-testid='stMain']");
            return Math.ceil(main ? main.scrollHeight : document.documentElement.scrollHeight);
        }""")
        height = max(900, min(int(height), 6000))
        if height == page.viewport_size["height"]:
            break
        page.set_viewport_size({"width": width, "height": height})
        wait_idle(page)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    return path
