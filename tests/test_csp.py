"""The Content-Security-Policy (ui/csp.py): what it allows, and which responses carry it.
The browser suite (tests/reliability/test_csp_browser.py) checks Streamlit runs under it."""
from __future__ import annotations

import base64
import hashlib

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient

from ui.csp import INDEX_HTML, ContentSecurityPolicy, app_policy, inline_script_hashes


def directives(policy: str) -> dict[str, list[str]]:
    parts = (d.split() for d in policy.split(";") if d.strip())
    return {name: sources for name, *sources in parts}


def test_the_policy_allows_no_other_origin_and_no_javascript_eval():
    policy = directives(app_policy())
    for name in ("img-src", "media-src", "font-src", "connect-src", "frame-src", "style-src",
                 "script-src", "default-src", "worker-src"):
        assert all(s in ("'self'", "'unsafe-inline'", "'wasm-unsafe-eval'", "data:", "blob:")
                   or s.startswith("'sha256-") for s in policy[name]), (name, policy[name])
    assert policy["img-src"] == ["'self'", "data:", "blob:"]
    assert policy["connect-src"] == ["'self'"] and policy["frame-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]


def test_index_html_inline_script_is_allowed_by_its_hash():
    html = '<script>\n  window.x = 1\n</script><script type="module" src="./a.js"></script>'
    digest = base64.b64encode(hashlib.sha256(b"\n  window.x = 1\n").digest()).decode()
    assert inline_script_hashes(html) == [f"'sha256-{digest}'"]  # the src= script needs no hash
    shipped = inline_script_hashes(INDEX_HTML.read_text(encoding="utf-8"))
    assert shipped and all(h in directives(app_policy())["script-src"] for h in shipped)


def make_client() -> TestClient:
    async def page(request):
        return HTMLResponse("<!doctype html><p>hi")

    async def data(request):
        return JSONResponse({"a": 1})

    async def own_policy(request):
        return Response("<p>x", media_type="text/html", headers={"Content-Security-Policy": "sandbox"})

    async def socket(ws):
        await ws.accept()
        await ws.send_text("ok")
        await ws.close()

    routes = [Route("/", page), Route("/data", data), Route("/own", own_policy), WebSocketRoute("/ws", socket)]
    return TestClient(Starlette(routes=routes, middleware=[Middleware(ContentSecurityPolicy)]))


def test_html_responses_carry_the_policy_others_are_left_alone():
    client = make_client()
    assert client.get("/").headers["content-security-policy"] == app_policy()
    assert "content-security-policy" not in client.get("/data").headers
    assert client.get("/own").headers["content-security-policy"] == "sandbox"  # a route's own wins
    with client.websocket_connect("/ws") as ws:
        assert ws.receive_text() == "ok"
