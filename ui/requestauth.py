"""Who sent an HTTP request to the app's own file routes: the same identity the page would get.

The page learns its user over the websocket from Streamlit's signed `_streamlit_user` cookie
(plus any `server.trustedUserHeaders`). Plain GETs carry the same cookie, so this reads it with
Streamlit's own functions (signature, expiry, chunks, origin binding) rather than new crypto.
"""
from __future__ import annotations

import logging

from .auth import SignInRefused, Viewer, auth_configured, single_user_viewer, viewer_from_user

log = logging.getLogger("genvault.files")

try:  # private helpers of Streamlit 1.67's websocket handler: reused so both checks stay identical
    from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME
    from streamlit.web.server.starlette.starlette_websocket import (
        _get_signed_cookie_with_chunks,
        _parse_decoded_user_cookie,
        gather_user_info,
    )
except ImportError:  # a Streamlit that moved them: fail closed (nobody is signed in)
    USER_COOKIE_NAME = None


def request_viewer(request) -> Viewer | None:
    """The viewer for a Starlette request; None when sign-in is on and the request has no valid
    sign-in (no cookie, a logged-out browser, a forged, expired or other-origin cookie)."""
    if not auth_configured():
        return single_user_viewer()  # today's access: whoever reaches the localhost app
    try:
        return viewer_from_user(cookie_user(request))
    except SignInRefused:  # e.g. an unverified email: the page refuses it, so do the files
        return None


def cookie_user(request) -> dict:
    """Streamlit's user info from the request's auth cookie, as the websocket would build it."""
    if USER_COOKIE_NAME is None:
        return {}
    user: dict = {}
    try:
        decoded = _get_signed_cookie_with_chunks(request.cookies, USER_COOKIE_NAME)
        if decoded:
            user.update(_parse_decoded_user_cookie(decoded, own_origin(request)))
    except Exception:  # noqa: BLE001 - a malformed cookie is "not signed in", never an error page
        log.warning("unreadable auth cookie on a file request")
        return {}
    user.update(gather_user_info(request.headers))  # as on the websocket: trusted headers win
    return user


def own_origin(request) -> str:
    """The origin the browser addressed (the cookie is bound to the redirect_uri's origin)."""
    return f"{request.url.scheme}://{request.url.netloc}"
