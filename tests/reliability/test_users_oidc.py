"""Users who must not see each other: the real `st.login` flow against a loopback OIDC provider
(tests/oidc_mock.py), driven in Chromium. User A can't reach B's generation by `?id=`, by
`/image?id=`, by the picture's URL, in History, in Costs or in an export; an admin can; a signed-out
visitor sees nothing.
"""
from __future__ import annotations

import csv
import io
import re
import secrets

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect  # noqa: E402

from tests.browser.helpers import goto, no_traceback, submit, wait_finished  # noqa: E402
from tests.oidc_mock import OidcMock  # noqa: E402
from tests.reliability.appserver import free_port  # noqa: E402

pytestmark = pytest.mark.browser
ANA, BEN, BOSS = "ana@example.com", "ben@example.com", "boss@example.com"


def secrets_toml(path, idp: OidcMock, port: int) -> None:
    path.write_text(f"""[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "{secrets.token_urlsafe(32)}"
client_id = "{idp.client_id}"
client_secret = "{idp.client_secret}"
server_metadata_url = "{idp.metadata_url}"

[genvault]
admins = ["{BOSS}"]
""")


def login(page, app, email: str, signed_in_as: str | None = None) -> None:
    """The real flow: app -> st.login -> the IdP's form -> /oauth2callback -> signed-in app."""
    goto(page, app.at("/"))
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Sign in").click()
    if signed_in_as != "":
        expect(page.locator("[data-testid='stSidebar']")).to_contain_text(f"Signed in as {signed_in_as or email}")


def history_prompts(page, app, expected: int) -> list[str]:
    """The prompts in the History grid, once `expected` rows are drawn (CI once read 2 of 3 while the
    page was still being drawn); a page that never shows that many fails here. The grid is a canvas:
    its accessible table holds the drawn cells, row after row in the column order of its headers."""
    goto(page, app.at("/history"))
    grid, empty = page.locator("[data-testid='stDataFrame']"), page.get_by_text("No generations yet")
    expect(grid.or_(empty)).to_be_visible()
    if grid.count() == 0:
        return []
    expect(grid.locator("[role='columnheader']", has_text="Prompt")).to_have_count(1)  # drawn
    headers = grid.locator("[role='columnheader']").all_inner_texts()
    cells = grid.locator("[role='gridcell']")
    expect(cells).to_have_count(expected * len(headers))
    return cells.all_inner_texts()[headers.index("Prompt")::len(headers)]


def exported_prompts(page) -> list[str]:
    page.get_by_role("button", name="Export", exact=True).click()
    with page.expect_download() as download:  # the saved file, through the app's own route
        page.get_by_role("link", name=re.compile(r"Download genvault-history\.csv")).click()
    with open(download.value.path(), newline="", encoding="utf-8") as fh:
        return [row["prompt"] for row in csv.DictReader(io.StringIO(fh.read()))]


def generations_metric(page, app) -> str:
    goto(page, app.at("/costs"))
    return page.locator("[data-testid='stMetric']", has_text="Generations").locator(
        "[data-testid='stMetricValue']").inner_text()


@pytest.fixture
def signed_in_app(app_server, recording_fake, tmp_path):
    with OidcMock() as idp:
        port = free_port()
        secrets_toml(tmp_path / "secrets.toml", idp, port)
        app = app_server({"OPENAI_BASE_URL": recording_fake.base_url, "OPENAI_API_KEY": "test-key"},
                         port=port, secrets_file=tmp_path / "secrets.toml")
        yield app, idp


def test_users_only_see_their_own_generations_and_admins_see_all(signed_in_app, browser_page):
    app, idp = signed_in_app
    ana = browser_page()
    login(ana, app, ANA)
    ana_text = submit(ana, app, "Ana's confidential merger memo")
    wait_finished(ana)
    ana_image = submit(ana, app, "Ana's private sketch", kind="Image")
    wait_finished(ana)
    media = ana.locator("[aria-label='Chat message from assistant'] img").first.get_attribute("src")

    ben = browser_page()
    login(ben, app, BEN)
    submit(ben, app, "Ben's quarterly numbers")
    wait_finished(ben)
    for path, title in ((f"/generate?id={ana_text}", "Generation not found"), (f"/?id={ana_text}", "Generation not found"),
                        (f"/image?id={ana_image}", "Image not found"), (f"/generate?id={ana_image}", "Generation not found")):
        goto(ben, app.at(path))
        expect(ben.get_by_role("heading", name=title)).to_be_visible()
        assert "Ana's" not in ben.locator("[data-testid='stMain']").inner_text()
    [only] = history_prompts(ben, app, 1)
    assert "Ben's quarterly numbers" in only
    assert exported_prompts(ben) == ["Ben's quarterly numbers"]
    assert generations_metric(ben, app) == "1"
    no_traceback(ben)
    # Ana's picture is served by the app's file route, which checks the sign-in: Ben gets a 404
    assert media.startswith("files/image/") and ben.request.get(app.at("/" + media)).status == 404

    boss = browser_page()
    login(boss, app, BOSS)
    goto(boss, app.at(f"/generate?id={ana_text}"))
    expect(boss.locator("[data-testid='stMain']")).to_contain_text("Ana's confidential merger memo")
    assert len(history_prompts(boss, app, 3)) == 3 and generations_metric(boss, app) == "3"
    assert idp.logins == [ANA, BEN, BOSS]


def test_signed_out_visitors_see_only_the_sign_in_screen(signed_in_app, browser_page):
    app, idp = signed_in_app
    ana = browser_page()
    login(ana, app, ANA)
    gen_id = submit(ana, app, "Ana's notes")
    wait_finished(ana)
    ana.get_by_role("button", name="Log out").click()
    expect(ana.get_by_role("button", name="Log in")).to_be_visible()
    stranger = browser_page()
    for path in (f"/generate?id={gen_id}", "/history", "/costs", f"/image?id={gen_id}"):
        goto(stranger, app.at(path))
        expect(stranger.get_by_role("button", name="Log in")).to_be_visible()
        assert "Ana's" not in stranger.locator("[data-testid='stMain']").inner_text()
        no_traceback(stranger)
    assert re.search(r"/oauth2callback|/authorize", stranger.url) is None


def test_unverified_emails_and_accounts_sharing_an_email(signed_in_app, browser_page):
    """Issue 16 item 4, through the real ID token: email_verified=false for the admin's email is
    refused; a second account (other subject) with Ana's email is not Ana."""
    app, idp = signed_in_app
    idp.extra_claims = {"email_verified": False}
    impostor = browser_page()
    login(impostor, app, BOSS, signed_in_as="")
    expect(impostor.get_by_text("did not confirm the email address boss@example.com")).to_be_visible()
    expect(impostor.get_by_role("button", name="Log out")).to_have_count(1)  # drawn just after the error
    no_traceback(impostor)
    idp.extra_claims = {"email_verified": None}  # no claim at all: refused unless the operator opts out
    missing = browser_page()
    login(missing, app, BOSS, signed_in_as="")
    expect(missing.get_by_text("GENLIB_ALLOW_UNVERIFIED_EMAIL")).to_be_visible()

    idp.extra_claims = {}
    ana = browser_page()
    login(ana, app, ANA)
    submit(ana, app, "Ana's diary")
    wait_finished(ana)
    idp.extra_claims = {"sub": "another-account"}
    twin = browser_page()
    login(twin, app, ANA)
    assert history_prompts(twin, app, 0) == []
    assert generations_metric(twin, app) == "0"
    assert idp.logins == [BOSS, BOSS, ANA, ANA]
