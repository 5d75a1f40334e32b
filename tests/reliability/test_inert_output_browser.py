"""Hostile text in prompts, system prompts, answers, follow-ups, error messages and model names stays
inert in a real browser: no alert fires, nothing is fetched from the "remote" host (a loopback
Tracker), no element that loads anything is injected. The text is a corpus of known Markdown
renderer bypasses (tests/bypasses.py), checked in the live view, the finished view, a fresh browser
opening the `/generate?id=` URL, the Continue thread view, a provider error, History and Costs.
"""
from __future__ import annotations

import re

import pytest

from tests.bypasses import corpus
from tests.reliability.tracker import Tracker

pytestmark = pytest.mark.browser
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
# Elements that make a browser load something; none may come from record text (our own <style> is
# a constant stylesheet, so it is allowed, and checked to be ours).
LOADING_ATTRIBUTES = ["src", "srcset", "href", "xlink:href", "poster", "data", "background", "style", "action",
                      "formaction", "content"]
LOADING = "img, image, svg, iframe, frame, video, audio, source, picture, object, embed, link, input[type=image]"


def evil(tracker: Tracker, tag: str) -> str:
    t = tracker.url
    return (f"{tag}: <script>alert('{tag}1')</script> <img src=\"{t}/{tag}-img.png\" onerror=\"alert('{tag}2')\"> "
            f"![md]({t}/{tag}-md.png) ![ref][r] <iframe src=\"{t}/{tag}-frame\"></iframe> "
            f"<svg onload=\"alert('{tag}3')\"></svg> [click me](javascript:alert('{tag}4')) "
            f"`<b>code</b>`\n\n[r]: {t}/{tag}-ref.png\n\n" + "\n\n".join(corpus(f"{t}/{tag}")))


def visit(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    settle(page)


def settle(page) -> None:
    page.locator(IDLE).wait_for()
    page.locator("[data-testid='stMain'] [data-testid='stElementContainer']").first.wait_for()
    page.wait_for_load_state("networkidle")


def assert_inert(page, tracker: Tracker, where: str) -> None:
    """Nothing in the page points a loading element at the tracker, no script or loader came from
    record text, and the tracker got no request."""
    found = page.evaluate("""([host, loading, loads]) => {
        const main = document.querySelector("[data-testid='stMain']");
        const pointing = [...main.querySelectorAll("*")].filter(el => el.tagName !== "A"
            && [...el.attributes].some(a => loads.includes(a.name) && a.value.includes(host)))
            .map(el => el.outerHTML.slice(0, 120));
        const blocks = [...main.querySelectorAll("[data-testid='stHtml']")];
        const loaders = blocks.flatMap(b => [...b.querySelectorAll(loading)]).map(el => el.outerHTML.slice(0, 120));
        // the app's own helpers are same-origin files (ui/livestream.py); anything else came from text
        const scripts = [...main.querySelectorAll("script")].filter(el => !/^live\/(live|page)\.js\?v=\w+$/.test(
            el.getAttribute("src") || "")).map(el => el.outerHTML.slice(0, 120));
        // the app's fixed stylesheets all start with a .gv- rule (ui/safe_markdown.py, ui/livestream.py ...)
        const styles = blocks.flatMap(b => [...b.querySelectorAll("style")]).filter(s => !s.textContent.startsWith("\\n.gv-"));
        return {pointing, loaders, scripts, foreign_styles: styles.length};
    }""", [tracker.url.split("//")[1], LOADING, LOADING_ATTRIBUTES])
    assert found == {"pointing": [], "loaders": [], "scripts": [], "foreign_styles": 0}, (where, found)
    assert tracker.hits == [], (where, tracker.hits)


def test_hostile_text_everywhere_is_shown_not_run(app_server, recording_fake, browser_page):
    fake = recording_fake
    with Tracker() as tracker:
        prompt, follow_up = evil(tracker, "prompt"), evil(tracker, "followup")
        fake.script(prompt, text=evil(tracker, "answer"), chunks=8, delay=0.4,
                    model_used=f"![model]({tracker.url}/model.png)<img src={tracker.url}/model2.png>")
        fake.script(follow_up, text=evil(tracker, "answer2"), chunks=2, delay=0.1)
        fake.script("error please", status=400, message=evil(tracker, "error"))
        app = app_server({"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": "test-key"})
        page = browser_page()
        visit(page, app.url + "/generate")
        page.locator("[data-testid='stExpander']", has_text="Options").locator("summary").click()
        page.get_by_label("System prompt", exact=True).fill(evil(tracker, "system"))
        page.get_by_label("System prompt", exact=True).press("Control+Enter")  # commits it (a rerun)
        settle(page)
        page.get_by_label("Prompt", exact=True).fill(prompt)
        page.get_by_role("button", name="Generate").click()
        page.wait_for_url(re.compile(r"id="))
        # mid-stream: the live view (Stop showing) has drawn part of the hostile answer
        assistant = page.locator("[aria-label='Chat message from assistant']", has_text="answer:")
        # the app's Stop (key "stop"), not Streamlit's own header Stop shown while a run is slow
        stop = page.locator(".st-key-stop").get_by_role("button", name="Stop")
        stop.wait_for()
        assistant.wait_for()
        assert stop.is_visible()
        assert_inert(page, tracker, "live view")
        page.get_by_role("heading", name="Details").wait_for(timeout=60_000)
        settle(page)
        assert_inert(page, tracker, "finished view")
        assert "alert('answer1')" in assistant.inner_text() and "$5 and $10" in assistant.inner_text()
        gen_url = page.url
        links = page.locator("[data-testid='stMain'] a:visible", has_text="click me")
        hrefs = [link.get_attribute("href") or "" for link in links.all()]
        assert not any(h.strip().lower().startswith("javascript:") for h in hrefs), hrefs

        fresh = browser_page()  # a new browser context opening the bookmarked URL
        visit(fresh, gen_url)
        fresh.get_by_role("heading", name="Details").wait_for()
        settle(fresh)
        assert_inert(fresh, tracker, "fresh viewer")

        page.get_by_label("Follow-up").fill(follow_up)
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(lambda url: url != gen_url and "id=" in url)
        page.get_by_text("Conversation so far").wait_for()
        page.get_by_role("heading", name="Details").wait_for(timeout=60_000)
        settle(page)
        assert page.locator("[aria-label='Chat message from assistant']", has_text="answer:").count() >= 1
        assert_inert(page, tracker, "Continue thread")

        visit(page, app.url + "/generate")
        page.get_by_label("Prompt", exact=True).fill("error please")
        page.get_by_role("button", name="Generate").click()
        page.get_by_role("button", name="Retry").wait_for()
        settle(page)
        assert "alert('error1')" in page.locator("[data-testid='stAlert']").first.inner_text()
        assert_inert(page, tracker, "provider error")
        quoted = f"![]({tracker.url}/q)"  # bad filter values are quoted back in a warning
        for path in ("/history", "/costs", f"/history?status={quoted}", f"/costs?from={quoted}",
                     gen_url.replace(app.url, "")):
            visit(page, app.url + path)
            assert_inert(page, tracker, path)
        for link in links.all():  # clicking a hostile link runs nothing either
            link.click()
        assert page.dialogs == [] and fresh.dialogs == [], (page.dialogs, fresh.dialogs)
        assert tracker.hits == [], tracker.hits
