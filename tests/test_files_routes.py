"""The app's file routes (ui/routes.py) on their own: who gets the bytes, what every refusal looks
like, the headers. Requests go through Starlette's TestClient with cookies signed by Streamlit's own
code, exactly as `st.login`'s callback signs them; the browser suite drives the real login.
"""
from __future__ import annotations

import json

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.testclient import TestClient
from streamlit import config
from streamlit.web.server.starlette.starlette_app_utils import create_signed_value
from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME

from genlib import GenerationRequest, Identity, StorageUnavailable
from ui import auth, requestauth, routes
from ui.csp import ContentSecurityPolicy
from ui.fileurls import answer_href, image_href, record_href
from ui.routes import file_routes

from tests.conftest import TEST_ISSUER, user_claims

ORIGIN = "http://testserver"  # TestClient's own origin: the cookie must be bound to it
SECRET = "unit-test-cookie-secret"
ANA, BEN, BOSS = "ana@example.com", "ben@example.com", "boss@example.com"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def user_cookie(email: str, secret: str = SECRET, origin: str = ORIGIN, logged_in: bool = True,
                **claims) -> str:
    """Streamlit's auth cookie as a real sign-in sets it: the ID token's claims, origin-bound."""
    payload = json.dumps({**user_claims(email), **claims, "origin": origin, "is_logged_in": logged_in})
    return create_signed_value(secret, USER_COOKIE_NAME, payload).decode()


@pytest.fixture
def seeded(app_vault):
    """(text generation, image generation), both Ana's (keyed by issuer + subject, as signed in)."""
    ana = Identity(TEST_ISSUER, user_claims(ANA)["sub"], ANA, True).key
    text = app_vault.start(GenerationRequest("Ana's memo", "offline-demo"), ana)
    image = app_vault.start(GenerationRequest("Ana's sketch", "offline-demo-image", kind="image",
                                              params={"size": "256x256"}), ana)
    return app_vault.wait(text, timeout=30), app_vault.wait(image, timeout=30)


@pytest.fixture
def client():
    app = Starlette(routes=file_routes(), middleware=[Middleware(ContentSecurityPolicy)])
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def signed_in(monkeypatch):
    """Sign-in on ([auth] configured), Streamlit's cookie secret set, Boss an admin."""
    monkeypatch.setattr(requestauth, "auth_configured", lambda: True)
    monkeypatch.setattr(auth, "admin_emails", lambda: {BOSS})
    previous = config.get_option("server.cookieSecret")
    config.set_option("server.cookieSecret", SECRET)
    yield
    config.set_option("server.cookieSecret", previous)


def get(client, href: str, cookie: str | None = None):
    client.cookies.clear()
    if cookie:
        client.cookies.set(USER_COOKIE_NAME, cookie)
    return client.get("/" + href)


def assert_not_found(response) -> None:
    assert response.status_code == 404 and response.text == "Not found"
    assert response.headers["cache-control"] == "private, no-store"


def test_single_user_mode_serves_the_record_answer_and_image_with_safe_headers(client, seeded):
    text, image = seeded
    record = get(client, record_href(text.id))
    assert record.status_code == 200 and record.json() == json.loads(json.dumps(text.to_dict()))
    assert record.headers["content-type"] == "application/json; charset=utf-8"
    assert record.headers["content-disposition"] == f'attachment; filename="{text.id}.json"'
    assert record.headers["x-content-type-options"] == "nosniff"
    assert record.headers["cache-control"] == "private, no-store"
    assert record.headers["content-security-policy"] == "default-src 'none'; sandbox"
    answer = get(client, answer_href(text.id))
    assert answer.text == text.result_text and answer.headers["content-type"].startswith("text/markdown")
    assert answer.headers["content-disposition"] == f'attachment; filename="{text.id}.md"'
    picture = get(client, image_href(image.id, 0))
    assert picture.content[:8] == PNG_MAGIC and picture.headers["content-type"] == "image/png"
    assert picture.headers["content-disposition"] == f'inline; filename="{image.id}-0.png"'
    download = get(client, image_href(image.id, 0, download=True))
    assert download.headers["content-disposition"] == f'attachment; filename="{image.id}-0.png"'
    assert download.content == picture.content


@pytest.mark.parametrize("path", [
    "files/record/not-an-id.json", "files/record/AAAAAAAAAAAAAAAAAAAAA.json",  # malformed, unknown
    "files/record/%2E%2E.json", "files/record/%00AAAAAAAAAAAAAAAAAAAA.json",
    "files/image/{image}/1", "files/image/{image}/99999999999999999999",  # past the last picture
    "files/image/{text}/0", "files/answer/{image}.md",  # a text has no picture, an image no answer
])
def test_malformed_unknown_or_wrong_kind_requests_are_the_same_404(client, seeded, path):
    text, image = seeded
    assert_not_found(get(client, path.format(text=text.id, image=image.id)))


def test_a_missing_image_file_is_a_404_not_an_error(client, seeded, app_vault):
    _, image = seeded
    app_vault.image_file(image.images[0]["path"]).unlink()
    assert_not_found(get(client, image_href(image.id, 0)))


def test_with_sign_in_only_the_owner_and_admins_get_the_bytes(client, seeded, signed_in):
    text, image = seeded
    for href in (record_href(text.id), answer_href(text.id), image_href(image.id, 0)):
        assert get(client, href, user_cookie(ANA)).status_code == 200
        assert get(client, href, user_cookie(BOSS)).status_code == 200  # admin
        assert_not_found(get(client, href))  # no cookie: a logged-out browser
        assert_not_found(get(client, href, user_cookie(BEN)))  # someone else
        assert_not_found(get(client, href, user_cookie(ANA, secret="another-secret")))  # forged
        assert_not_found(get(client, href, user_cookie(ANA, origin="http://elsewhere.example")))
        assert_not_found(get(client, href, user_cookie(ANA, logged_in=False)))
        assert_not_found(get(client, href, user_cookie(ANA, email_verified=False)))  # refused on the page too
        assert_not_found(get(client, href, user_cookie(ANA, sub="another-account")))  # same email, other account
        assert_not_found(get(client, href, "garbage"))


def test_a_vault_failure_is_a_plain_503(client, seeded, monkeypatch):
    text, _ = seeded

    def broken():
        raise StorageUnavailable("disk gone")

    monkeypatch.setattr(routes, "get_vault", broken)
    response = get(client, record_href(text.id))
    assert response.status_code == 503 and "Traceback" not in response.text
    assert "unavailable" in response.text


def _export_by(app_vault, email: str) -> tuple[str, str]:
    """A CSV export of every row, saved by `email`'s account: (its href, the file's text)."""
    from genlib import Filters
    from ui.auth import Viewer
    from ui.exports import export_file, saved_export_href

    owner = Identity(TEST_ISSUER, user_claims(email)["sub"], email, True).key
    path = export_file(app_vault, Viewer(owner, is_admin=False, signed_in=True), Filters(), "csv")
    return saved_export_href(path), path.read_text(encoding="utf-8")


def test_an_export_is_streamed_from_disk_to_the_viewer_who_saved_it_only(client, seeded, signed_in, app_vault):
    href, text = _export_by(app_vault, ANA)
    response = get(client, href, user_cookie(ANA))
    assert response.status_code == 200 and response.text == text and "Ana's memo" in text
    assert response.headers["content-disposition"] == 'attachment; filename="genvault-history.csv"'
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["cache-control"] == "private, no-store"
    for cookie in (None, user_cookie(BEN), user_cookie(BOSS), user_cookie(ANA, sub="another-account")):
        assert_not_found(get(client, href, cookie))  # an export is its maker's, admins included


@pytest.mark.parametrize("tail", ["owner", "..%2Fowner", "genvault-history.txt", "../../prices.toml"])
def test_an_export_path_other_than_a_saved_file_name_is_a_404(client, seeded, signed_in, app_vault, tail):
    href, _ = _export_by(app_vault, ANA)
    folder = href.rsplit("/", 1)[0]
    # (a name with a slash matches no route at all: Starlette's own 404, never the handler)
    assert get(client, f"{folder}/{tail}", user_cookie(ANA)).status_code == 404
    assert_not_found(get(client, "files/export/not-an-id/genvault-history.csv", user_cookie(ANA)))


def test_the_budgets_and_prices_files_go_to_admins_only(client, signed_in, app_vault):
    from ui.fileurls import settings_href

    app_vault.save_settings("budgets", "# ours\n[overall]\ndaily_usd = 5\n", None, by=BOSS)
    answer = get(client, settings_href("budgets"), user_cookie(BOSS))
    assert answer.status_code == 200 and answer.text == "# ours\n[overall]\ndaily_usd = 5\n"
    assert 'attachment; filename="budgets.toml"' == answer.headers["content-disposition"]
    assert answer.headers["cache-control"] == "private, no-store"
    for href, cookie in ((settings_href("budgets"), user_cookie(ANA)), (settings_href("budgets"), None),
                         (settings_href("prices"), user_cookie(BOSS)),  # none saved
                         ("files/settings/users.toml", user_cookie(BOSS))):
        assert get(client, href, cookie).status_code == 404


def test_a_batch_jobs_results_are_made_on_request_for_its_owner_and_admins(client, signed_in, app_vault):
    from ui.batchfiles import batch_href

    ana = Identity(TEST_ISSUER, user_claims(ANA)["sub"], ANA, True).key
    plan = app_vault.batch_plan(b"q\n=1+1\nsecond\n", "t.csv", "{q}", ["offline-demo"], concurrency=1)
    job_id = app_vault.batch_create(plan, ana)
    app_vault.batch_wait(job_id, 60)
    response = get(client, batch_href(job_id, "csv"), user_cookie(ANA))
    assert response.status_code == 200 and response.headers["cache-control"] == "private, no-store"
    assert response.headers["content-disposition"] == f'attachment; filename="batch-{job_id}.csv"'
    assert "'=1+1" in response.text and "second" in response.text  # a formula is text in a spreadsheet
    assert get(client, batch_href(job_id, "parquet"), user_cookie(BOSS)).content[:4] == b"PAR1"  # admin
    assert get(client, batch_href(job_id, "jsonl"), user_cookie(ANA)).text.count("\n") == 2
    for cookie in (None, user_cookie(BEN)):
        assert_not_found(get(client, batch_href(job_id, "csv"), cookie))
    for href in (batch_href(job_id, "xlsx"), batch_href("bad.id!", "csv"), batch_href("A" * 22, "csv")):
        assert_not_found(get(client, href, user_cookie(ANA)))
