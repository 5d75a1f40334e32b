"""Recorded bytes need the same sign-in as the page (issue 16, item 5), driven through the real
`st.login` flow in Chromium: Ana's record, answer and picture links work for her, and once she has
logged out the same URLs answer 404 to a request without cookies, to her own browser and to Ben;
nothing of hers is served from Streamlit's `/media/` any more.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect  # noqa: E402

from tests.browser.helpers import goto, submit, wait_finished  # noqa: E402
from tests.reliability.test_users_oidc import ANA, BEN, login, signed_in_app  # noqa: E402,F401

pytestmark = pytest.mark.browser
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def link_href(page, name: str) -> str:
    return page.get_by_role("link", name=name).get_attribute("href")


def absolute(app, href: str) -> str:
    return href if href.startswith("http") else app.at("/" + href.lstrip("/"))


def picture_src(page) -> str:
    picture = page.locator("[aria-label='Chat message from assistant'] img").first
    expect(picture).to_be_visible()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", picture.element_handle())
    return picture.get_attribute("src")


def test_record_answer_and_image_urls_stop_working_after_logout(signed_in_app, browser_page):
    app, _ = signed_in_app
    ana = browser_page()
    media_requests = []
    ana.on("request", lambda r: media_requests.append(r.url) if urlsplit(r.url).path.startswith("/media/") else None)
    login(ana, app, ANA)
    text_id = submit(ana, app, "Ana's confidential merger memo")
    wait_finished(ana)
    urls = {"record": absolute(app, link_href(ana, "Download record (JSON)")),
            "answer": absolute(app, link_href(ana, "Download answer"))}
    image_id = submit(ana, app, "Ana's private sketch", kind="Image")
    wait_finished(ana)
    urls["image"] = absolute(app, picture_src(ana))
    urls["image record"] = absolute(app, link_href(ana, "Download record (JSON)"))
    goto(ana, app.at(f"/image?id={image_id}"))
    urls["image download"] = absolute(app, link_href(ana, "Download image"))
    assert all("/files/" in url for url in urls.values()), urls
    assert media_requests == []  # pictures and downloads no longer go through Streamlit's /media

    owned = {name: ana.request.get(url) for name, url in urls.items()}
    assert all(r.status == 200 for r in owned.values()), {n: r.status for n, r in owned.items()}
    assert owned["record"].json()["prompt"] == "Ana's confidential merger memo"
    assert owned["record"].json()["id"] == text_id
    assert owned["image"].body()[:8] == PNG_MAGIC == owned["image download"].body()[:8]
    assert owned["image download"].headers["content-disposition"].startswith("attachment")

    ben = browser_page()
    login(ben, app, BEN)
    ana.get_by_role("button", name="Log out").click()
    expect(ana.get_by_role("button", name="Log in")).to_be_visible()
    stranger = browser_page()
    for name, url in urls.items():
        for who, page in (("no cookies", stranger), ("Ana, logged out", ana), ("Ben", ben)):
            response = page.request.get(url)
            assert response.status == 404, (name, who, response.status)
            assert b"Ana's" not in response.body() and response.body()[:8] != PNG_MAGIC
