"""Share links through the real `st.login` flow (tests/oidc_mock.py) in Chromium: Ana shares, Ben
(another user) can't reach her generation except through the link, a signed-out visitor sees the
shared generation and nothing else (no navigation at all); an altered token, a revoked link and
sharing turned off by the admin show only a sentence.
"""
from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect  # noqa: E402

from tests.browser.helpers import goto, no_traceback, submit, wait_finished, wait_idle  # noqa: E402
from tests.reliability.test_users_oidc import ANA, BEN, BOSS, login, signed_in_app  # noqa: E402,F401

pytestmark = pytest.mark.browser


def make_link(page) -> str:
    wait_idle(page)
    page.get_by_text("Share a read-only link").click()
    expect(page.get_by_role("button", name="Create link")).to_be_visible()
    wait_idle(page)
    code = page.locator("[data-testid='stCode']", has_text="?share=")
    page.get_by_role("button", name="Create link").click()
    try:
        expect(code).to_be_visible(timeout=15_000)
    except AssertionError:
        # Two clean-clone runs lost this click under load (nothing drawn, no error; the cause not found
        # why: see the closing note of the eleventh session). A person clicks again; so do we, once.
        wait_idle(page)
        page.get_by_role("button", name="Create link").click()
        expect(code).to_be_visible()
    return code.inner_text().strip()


def shows_only_the_generation(page, prompt: str) -> None:
    expect(page.get_by_role("heading", name="Shared generation")).to_be_visible()
    expect(page.locator("[data-testid='stMain']")).to_contain_text(prompt)
    assert page.locator("[data-testid='stSidebarNav'] a, [data-testid='stSidebar'] a").count() == 0
    hrefs = page.locator("[data-testid='stMain'] a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert hrefs == [], hrefs  # no link to anything else
    expect(page.locator("[data-testid='stMain'] button")).to_have_count(0)  # no Log in, no actions
    no_traceback(page)


def test_a_link_shows_one_generation_to_anyone_until_revoked_or_sharing_is_off(signed_in_app, browser_page):
    app, idp = signed_in_app
    ana = browser_page()
    login(ana, app, ANA)
    gen_id = submit(ana, app, "Ana's shareable summary")
    wait_finished(ana)
    link = make_link(ana)
    assert gen_id not in link and "?share=" in link

    ben = browser_page()
    login(ben, app, BEN)
    goto(ben, app.at(f"/generate?id={gen_id}"))
    expect(ben.get_by_role("heading", name="Generation not found")).to_be_visible()  # no tag, no share
    goto(ben, link)
    shows_only_the_generation(ben, "Ana's shareable summary")

    visitor = browser_page()
    goto(visitor, link)
    shows_only_the_generation(visitor, "Ana's shareable summary")
    token = link.split("?share=")[1]
    goto(visitor, link.replace(token, token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")))
    expect(visitor.get_by_text("This link is not valid")).to_be_visible()
    assert "Ana's" not in visitor.locator("[data-testid='stMain']").inner_text()

    goto(ana, app.at("/shares"))
    ana.get_by_role("button", name="Revoke").click()
    expect(ana.get_by_text("Revoked")).to_be_visible()
    goto(visitor, link)
    expect(visitor.get_by_text("This link was revoked")).to_be_visible()
    assert "Ana's" not in visitor.locator("[data-testid='stMain']").inner_text()

    goto(ana, app.at(f"/generate?id={gen_id}"))
    second = make_link(ana)
    boss = browser_page()
    login(boss, app, BOSS)
    goto(boss, app.at("/shares"))
    boss.get_by_text("Sharing on for everyone").click()
    expect(boss.locator(".st-key-sharing_switch input")).not_to_be_checked()
    goto(boss, app.at("/shares"))  # saved: a fresh load shows it off
    expect(boss.locator(".st-key-sharing_switch input")).not_to_be_checked()
    goto(visitor, second)
    expect(visitor.get_by_text("Sharing is off")).to_be_visible()
    assert "Ana's" not in visitor.locator("[data-testid='stMain']").inner_text()
    no_traceback(visitor)


def test_a_shared_live_generation_streams_to_a_signed_out_visitor(signed_in_app, browser_page, recording_fake):
    app, idp = signed_in_app
    ana = browser_page()
    login(ana, app, ANA)
    recording_fake.enqueue(text="".join(f"w{i} " for i in range(80)) + "THE-END", chunks=81, delay=0.1)
    submit(ana, app, "Ana's long story")
    link = make_link(ana)  # while it streams
    visitor = browser_page()
    goto(visitor, link)
    main = visitor.locator("[data-testid='stMain']")
    expect(main).to_contain_text("streaming")
    expect(main).to_contain_text("THE-END", timeout=60_000)  # redrawn as it arrives, then finished
    expect(main).to_contain_text("complete")
    shows_only_the_generation(visitor, "Ana's long story")
