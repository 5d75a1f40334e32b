"""Deleting a generation in Chromium, signed in through the real `st.login` flow (issue 14): the owner
deletes with a confirmation and sees the tombstone; another user can neither see nor delete it; a
signed-out visitor sees only the sign-in screen; the Costs page still counts it."""
from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect  # noqa: E402

from tests.browser.helpers import goto, no_traceback, submit, wait_finished, wait_idle  # noqa: E402
from tests.reliability.test_users_oidc import (ANA, BEN, generations_metric, history_prompts, login,  # noqa: E402
                                               signed_in_app)  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def test_the_owner_deletes_with_confirmation_and_others_cannot(signed_in_app, browser_page):
    app, idp = signed_in_app
    ana = browser_page()
    login(ana, app, ANA)
    gen_id = submit(ana, app, "Ana's draft to throw away")
    wait_finished(ana)
    assert generations_metric(ana, app) == "1"

    ben = browser_page()
    login(ben, app, BEN)
    goto(ben, app.at(f"/generate?id={gen_id}"))
    expect(ben.get_by_role("heading", name="Generation not found")).to_be_visible()
    expect(ben.get_by_role("button", name="Delete")).to_have_count(0)

    goto(ana, app.at(f"/generate?id={gen_id}"))
    ana.get_by_role("button", name="Delete", exact=True).click()
    expect(ana.get_by_text("Delete this generation for good?")).to_be_visible()
    ana.get_by_role("button", name="Cancel").click()
    wait_idle(ana)
    expect(ana.get_by_text("Delete this generation for good?")).to_have_count(0)
    ana.get_by_role("button", name="Delete", exact=True).click()
    ana.get_by_role("button", name="Delete for good").click()
    expect(ana.get_by_role("heading", name="Generation deleted")).to_be_visible()
    main = ana.locator("[data-testid='stMain']")
    expect(main).to_contain_text(re.compile(r"Deleted on \d{4}-\d\d-\d\d by ana@example\.com\."))
    assert "Ana's draft" not in main.inner_text()
    no_traceback(ana)

    goto(ana, app.at(f"/generate?id={gen_id}"))  # the link, later: the tombstone, not "not found"
    expect(ana.get_by_role("heading", name="Generation deleted")).to_be_visible()
    assert history_prompts(ana, app, 0) == [] and generations_metric(ana, app) == "1"  # the cost stays

    goto(ben, app.at(f"/generate?id={gen_id}"))
    expect(ben.get_by_role("heading", name="Generation not found")).to_be_visible()
    stranger = browser_page()
    goto(stranger, app.at(f"/generate?id={gen_id}"))
    expect(stranger.get_by_role("button", name="Log in")).to_be_visible()
    assert "Deleted" not in stranger.locator("[data-testid='stMain']").inner_text()
