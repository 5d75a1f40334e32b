"""The Content-Security-Policy in Chromium (issue 16, item 1, defence in depth): every page of the
app works under it without a single violation, and an element that points at another origin -
injected straight into the DOM, as if some text had slipped past the inert rendering - is refused
by the browser before any request leaves (the loopback Tracker sees nothing).
"""
from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect  # noqa: E402

from tests.browser.helpers import goto, no_traceback, submit, wait_finished  # noqa: E402
from tests.reliability.tracker import Tracker  # noqa: E402

pytestmark = pytest.mark.browser
# Collects every violation the page reports (the browser raises this event for each refusal).
WATCH = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(`${e.effectiveDirective} ${e.blockedURI}`));"""
INJECT = """url => {
    const main = document.querySelector("[data-testid='stMain']");
    const img = document.createElement('img'); img.src = url + '/img.png';
    const frame = document.createElement('iframe'); frame.src = url + '/frame';
    const link = document.createElement('link'); link.rel = 'stylesheet'; link.href = url + '/style.css';
    main.append(img, frame); document.head.append(link);
    fetch(url + '/fetch').catch(() => null);
}"""


def violations(page) -> list[str]:
    return page.evaluate("window.__csp")


@pytest.fixture
def watched_page(app_server, browser_page):
    app = app_server()  # single-user mode, the offline models: no provider needed
    page = browser_page()
    page.context.add_init_script(WATCH)
    console = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.console_csp = console
    return app, page


def test_every_page_works_under_the_policy_without_a_violation(watched_page):
    app, page = watched_page
    response = page.goto(app.at("/history"), wait_until="domcontentloaded")
    assert "img-src 'self' data: blob:" in response.headers["content-security-policy"]
    text_id = submit(page, app, "Three facts about lighthouses")
    wait_finished(page)
    assert violations(page) == []
    image_id = submit(page, app, "A lighthouse at dusk", kind="Image")
    wait_finished(page)
    expect(page.locator("[aria-label='Chat message from assistant'] img")).to_be_visible()
    assert violations(page) == []
    for path in (f"/generate?id={text_id}", f"/image?id={image_id}", "/history", "/costs", "/"):
        goto(page, app.at(path))
        no_traceback(page)
        assert violations(page) == [], path
    goto(page, app.at("/costs"))
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    expect(chart.locator("canvas, svg.marks").first).to_be_visible()  # Vega draws under the policy
    assert violations(page) == [] and page.console_csp == []


def test_an_injected_element_pointing_elsewhere_is_blocked_before_any_request(watched_page):
    app, page = watched_page
    with Tracker() as tracker:
        goto(page, app.at("/generate"))
        page.evaluate(INJECT, tracker.url)
        page.wait_for_function("window.__csp.length >= 4")  # the browser has refused all four
        blocked = violations(page)
        assert {v.split()[0] for v in blocked} >= {"img-src", "frame-src", "style-src-elem", "connect-src"}
        assert all(v.split()[1].startswith(tracker.url) for v in blocked)
        goto(page, app.at("/history"))  # a full round trip later: still nothing reached it
        assert tracker.hits == []
