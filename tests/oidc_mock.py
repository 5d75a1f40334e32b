"""A loopback OpenID Connect provider for tests: discovery, a sign-in form, code + PKCE, RS256
id_tokens published at jwks_uri, userinfo and end-session. Enough for Streamlit's `st.login`
(Authlib) to run its real flow against it.

    with OidcMock() as idp:                      # http://127.0.0.1:<port>
        idp.metadata_url                         # -> server_metadata_url in secrets.toml [auth]
        idp.client_id, idp.client_secret
        idp.logins                               # emails that signed in, in order

The sign-in page is a form with an "Email" field and a "Sign in" button (a browser test fills it);
`idp.auto_login = "ana@example.com"` skips the form; `idp.extra_claims` changes the claims of the
next tokens (`{"email_verified": False}`, `{"sub": "other"}`; a None value leaves the claim out). Codes are single-use and bound to the
client, redirect_uri, nonce and PKCE challenge they were issued for.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

SIGN_IN_FORM = """<!doctype html><title>Mock IdP sign-in</title><h1>Sign in to the mock IdP</h1>
<form method="post" action="/authorize">{hidden}<label>Email <input name="email" type="email" required></label>
<button type="submit">Sign in</button></form>"""


class OidcMock:
    def __init__(self, client_id: str = "genvault-test", client_secret: str | None = None):
        self.client_id, self.client_secret = client_id, client_secret or secrets.token_urlsafe(16)
        self.key = RSAKey.generate_key(2048, parameters={"kid": "mock-1", "use": "sig", "alg": "RS256"})
        self.auto_login: str | None = None
        self.logins: list[str] = []
        self.extra_claims: dict = {}
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.idp = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def metadata_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    def __enter__(self) -> "OidcMock":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def metadata(self) -> dict:
        return {"issuer": self.issuer, "authorization_endpoint": self.issuer + "/authorize",
                "token_endpoint": self.issuer + "/token", "userinfo_endpoint": self.issuer + "/userinfo",
                "jwks_uri": self.issuer + "/jwks", "end_session_endpoint": self.issuer + "/logout",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
                "scopes_supported": ["openid", "email", "profile"], "grant_types_supported": ["authorization_code"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"]}

    def claims(self, email: str) -> dict:
        claims = {"sub": "sub-" + hashlib.sha256(email.encode()).hexdigest()[:16], "email": email,
                  "email_verified": True, "name": email.split("@")[0].title(), **self.extra_claims}
        return {k: v for k, v in claims.items() if v is not None}

    def issue_code(self, email: str, params: dict) -> str:
        code = secrets.token_urlsafe(24)
        self.codes[code] = {"email": email, **params}
        self.logins.append(email)
        return code

    def exchange(self, form: dict, basic: tuple[str, str] | None) -> tuple[int, dict]:
        """The token endpoint: check client, code, redirect_uri and PKCE; return the tokens."""
        client_id, secret = basic or (form.get("client_id"), form.get("client_secret"))
        grant = self.codes.pop(form.get("code", ""), None)
        if (client_id, secret) != (self.client_id, self.client_secret):
            return 401, {"error": "invalid_client"}
        if grant is None or grant.get("client_id") != client_id or grant.get("redirect_uri") != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        if grant.get("code_challenge") and _s256(form.get("code_verifier", "")) != grant["code_challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        now, claims = int(time.time()), self.claims(grant["email"])
        id_claims = {**claims, "iss": self.issuer, "aud": client_id, "iat": now, "exp": now + 3600,
                     "nonce": grant.get("nonce")}
        access = secrets.token_urlsafe(24)
        self.tokens[access] = claims
        id_token = jwt.encode({"alg": "RS256", "kid": self.key.kid}, id_claims, self.key)
        return 200, {"access_token": access, "token_type": "Bearer", "expires_in": 3600,
                     "id_token": id_token, "scope": grant.get("scope", "openid")}


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        idp: OidcMock = self.server.idp
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/.well-known/openid-configuration":
            return self._json(200, idp.metadata())
        if url.path == "/jwks":
            return self._json(200, {"keys": [idp.key.as_dict(private=False)]})
        if url.path == "/authorize":
            return self._authorize_page(idp, query)
        if url.path == "/userinfo":
            claims = idp.tokens.get(self.headers.get("Authorization", "").removeprefix("Bearer "))
            return self._json(200, claims) if claims else self._json(401, {"error": "invalid_token"})
        if url.path == "/logout":
            return self._redirect(query.get("post_logout_redirect_uri") or idp.issuer)
        self._json(404, {"error": "not_found"})

    def do_POST(self) -> None:
        idp: OidcMock = self.server.idp
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if self.path == "/authorize":
            return self._grant(idp, form.pop("email", ""), form)
        if self.path == "/token":
            return self._json(*idp.exchange(form, self._basic_auth()))
        self._json(404, {"error": "not_found"})

    def _authorize_page(self, idp: OidcMock, query: dict) -> None:
        if query.get("client_id") != idp.client_id or query.get("response_type") != "code":
            return self._json(400, {"error": "unauthorized_client"})
        if idp.auto_login:
            return self._grant(idp, idp.auto_login, query)
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in query.items())
        self._send(200, SIGN_IN_FORM.format(hidden=hidden).encode(), "text/html; charset=utf-8")

    def _grant(self, idp: OidcMock, email: str, params: dict) -> None:
        code = idp.issue_code(email.strip().lower(), params)
        sep = "&" if "?" in params["redirect_uri"] else "?"
        self._redirect(params["redirect_uri"] + sep + urlencode({"code": code, "state": params.get("state", "")}))

    def _basic_auth(self) -> tuple[str, str] | None:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return unquote(user), unquote(password)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _json(self, status: int, payload: dict) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
