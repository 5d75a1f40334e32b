"""HTML, script and remote images in prompts, answers, error messages and model names stay inert
in a real browser: no alert fires, nothing is fetched from the "remote" host, no element is injected.
"""
from __future__ import annotations

import re

import pytest

from tests.reliability.tracker import Tracker

pytestmark = pytest.mark.browser


def evil(tracker: Tracker, tag: str) -> str:
    t = tracker.url
    return (f"{tag}: <script>alert('{tag}1')</script> <img src=\"{t}/{tag}-img.png\" onerror=\"alert('{tag}2')\"> "
            f"![md]({t}/{tag}-md.png) ![ref][r] <iframe src=\"{t}/{tag}-frame\"></iframe> "
            f"<svg onload=\"alert('{tag}3')\"></svg> [click me](javascript:alert('{tag}4')) "
            f"`<b>code</b>`\n\n[r]: {t}/{tag}-ref.png\n")


def visit(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for()
    page.locator("[data-testid='stMain'] [data-testid='stElementContainer']").first.wait_for()
    page.wait_for_load_state("networkidle")


def injected(page) -> int:
    return page.locator("[data-testid='stMain'] :is(script, iframe, svg[onload], img[onerror])").count()


def test_hostile_text_everywhere_is_shown_not_run(app_server, recording_fake, browser_page):
    fake = recording_fake
    with Tracker() as tracker:
        fake.script(evil(tracker, "prompt"), text=evil(tracker, "answer"), chunks=6, delay=0.3,
                    model_used=f"![model]({tracker.url}/model.png)<img src={tracker.url}/model2.png>")
        fake.script("error please", status=400, message=evil(tracker, "error"))
        app = app_server({"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": "test-key"})
        page = browser_page()
        visit(page, app.url + "/generate")
        page.get_by_label("Prompt", exact=True).fill(evil(tracker, "prompt"))
        page.get_by_role("button", name="Generate").click()
        page.wait_for_url(re.compile(r"id="))
        page.wait_for_timeout(1200)  # mid-stream: the live view draws the partial answer
        assert injected(page) == 0
        page.get_by_text("Generation Details").or_(page.get_by_role("heading", name="Details")).first.wait_for()
        gen_url = page.url
        links = page.locator("[data-testid='stMain'] a:visible", has_text="click me")
        hrefs = [link.get_attribute("href") or "" for link in links.all()]
        assert not any(h.strip().lower().startswith("javascript:") for h in hrefs), hrefs
        for link in links.all():  # and clicking it does nothing
            link.click()
        visit(page, app.url + "/generate")
        page.get_by_label("Prompt", exact=True).fill("error please")
        page.get_by_role("button", name="Generate").click()
        page.get_by_role("button", name="Retry").wait_for()
        assert "alert(" in page.locator("[data-testid='stAlert']").first.inner_text()
        for path in ("/history", "/costs", gen_url.replace(app.url, "")):
            visit(page, app.url + path)
            assert injected(page) == 0, path
        assert page.dialogs == [], page.dialogs
        assert tracker.hits == [], tracker.hits
