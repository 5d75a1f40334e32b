"""Who is looking: an OIDC user (`st.login`) when secrets have `[auth]`, else single-user mode.

With auth, each user sees only their own generations unless listed as an admin (GENLIB_ADMINS,
comma-separated emails, or `admins = [...]` under `[genvault]` in secrets). Without auth the
single local user (GENLIB_USER or "local") owns the machine and sees everything.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import streamlit as st

from .render import md_escape


@dataclass(frozen=True)
class Viewer:
    user_id: str
    is_admin: bool
    signed_in: bool  # True when the identity came from st.login

    @property
    def visible_to(self) -> str | None:
        """The `user_id=`/`Filters(visible_to=)` value: None lets admins see every row."""
        return None if self.is_admin else self.user_id


def auth_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all raises; that means no auth
        return False


def admin_emails() -> set[str]:
    emails = {e.strip().lower() for e in os.environ.get("GENLIB_ADMINS", "").split(",") if e.strip()}
    try:
        listed = st.secrets.get("genvault", {}).get("admins", [])
    except Exception:  # noqa: BLE001 - no secrets file
        listed = []
    return emails | {str(e).strip().lower() for e in listed if str(e).strip()}


def single_user_viewer() -> Viewer:
    return Viewer(os.environ.get("GENLIB_USER", "").strip() or "local", is_admin=True, signed_in=False)


def viewer_from_user(user) -> Viewer | None:
    """The signed-in viewer described by Streamlit's user info (`st.user`, or the auth cookie the
    file routes read), or None when it says nobody is signed in."""
    if not user.get("is_logged_in", False):
        return None
    identity = str(user.get("email") or user.get("sub") or "").strip().lower()
    if not identity:
        return None
    return Viewer(identity, is_admin=identity in admin_emails(), signed_in=True)


def current_viewer() -> Viewer | None:
    """The viewer, or None when sign-in is required and nobody is signed in."""
    if not auth_configured():
        return single_user_viewer()
    return viewer_from_user(st.user)


def require_viewer() -> Viewer:
    """The viewer; otherwise a sign-in screen and the run stops here."""
    viewer = current_viewer()
    if viewer is not None:
        return viewer
    st.title("GenVault")
    st.info("Sign in to see and create your generations.")
    st.button("Log in", key="login", type="primary", on_click=st.login)
    st.stop()


def sidebar_identity(viewer: Viewer) -> None:
    if viewer.signed_in:
        role = " (admin)" if viewer.is_admin else ""
        st.sidebar.caption(f"Signed in as {md_escape(viewer.user_id)}{role}")
        st.sidebar.button("Log out", key="logout", on_click=st.logout)
    else:
        st.sidebar.caption(f"Single-user mode: {md_escape(viewer.user_id)}")
