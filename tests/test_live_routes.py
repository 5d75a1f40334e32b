"""The live view's routes (ui/livestream.py) on their own: who may follow a generation, what the
event stream says, and the scripts. The browser suite (tests/browser/test_live_browser.py)
follows real streams; here a finished generation's stream is read to its end."""
from __future__ import annotations

import json

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.testclient import TestClient

from genlib import GenerationRequest, Identity
from ui.csp import ContentSecurityPolicy
from ui.liveblock import live_block_html
from ui.livestream import live_routes
from ui.liveurls import PAGE_SCRIPT, SCRIPT, events_href, script_href

from tests.conftest import TEST_ISSUER, user_claims
from tests.test_files_routes import ANA, BEN, BOSS, assert_not_found, get, signed_in, user_cookie  # noqa: F401


@pytest.fixture
def client():
    app = Starlette(routes=live_routes(), middleware=[Middleware(ContentSecurityPolicy)])
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def anas(app_vault):
    """A finished text generation of Ana's whose answer has Markdown and an image link."""
    ana = Identity(TEST_ISSUER, user_claims(ANA)["sub"], ANA, True).key
    gen_id = app_vault.start(GenerationRequest("Ana's notes", "offline-demo"), ana)
    return app_vault.wait(gen_id, timeout=30)


def messages(response) -> list[dict]:
    return [json.loads(line[5:]) for line in response.text.splitlines() if line.startswith("data:")]


def test_a_finished_generation_streams_its_text_then_the_end(client, anas):
    response = get(client, events_href(anas.id))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-store"
    first, *_, last = messages(response)
    assert first["status"] == "complete" and first["ev"][0] == {"t": "reset", "skipped": 0}
    assert "tokens so far" in first["stats"]
    shown = "".join(e.get("html", "") for e in first["ev"])
    assert shown and "<script" not in shown and "<img" not in shown
    assert last == {"end": True}


def test_with_sign_in_only_the_owner_and_admins_may_follow(client, anas, signed_in):  # noqa: F811
    href = events_href(anas.id)
    assert get(client, href, user_cookie(ANA)).status_code == 200
    assert get(client, href, user_cookie(BOSS)).status_code == 200  # admin
    assert_not_found(get(client, href))  # logged out
    assert_not_found(get(client, href, user_cookie(BEN)))  # someone else: the same 404
    assert_not_found(get(client, events_href("not-an-id")))


def test_the_scripts_are_same_origin_files_cached_while_unchanged(client):
    for path in (SCRIPT, PAGE_SCRIPT):
        current = client.get("/" + script_href(path))
        assert current.status_code == 200 and current.headers["content-type"].startswith("text/javascript")
        assert "immutable" in current.headers["cache-control"]
        assert client.get("/" + path + "?v=old").headers["cache-control"] == "no-cache"


def test_the_live_block_holds_sanitized_text_and_only_our_script(anas):
    anas.result_text = "Hi <script>alert(1)</script> ![x](http://evil.example/x.png) **bold"
    body = live_block_html(anas)
    assert body.count("<script") == 1 and f'<script src="{script_href(SCRIPT)}">' in body
    assert "alert(1)" not in body.split("<script src")[0] or "&lt;script&gt;" in body
    assert "<img" not in body and "<strong>bold</strong>" in body
