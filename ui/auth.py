"""Who is looking: an OIDC user (`st.login`) when secrets have `[auth]`, else single-user mode.

With auth, a user is their identity provider's issuer + subject (genlib/users.py); the email is
shown, and makes them an admin (GENLIB_ADMINS, comma-separated emails, or `admins = [...]` under
`[genvault]` in secrets) only when the provider verified it. `email_verified=false` is refused;
no claim at all is refused unless GENLIB_ALLOW_UNVERIFIED_EMAIL is set. Without auth the single
local user (GENLIB_USER or "local") owns the machine and sees everything.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import streamlit as st

from genlib import Identity

from .guard import run_guarded
from .render import md_escape
from .vault import get_vault


@dataclass(frozen=True)
class Viewer:
    user_id: str
    is_admin: bool
    signed_in: bool  # True when the identity came from st.login
    label: str = ""  # what to show for them: the email (the user id when empty)

    @property
    def visible_to(self) -> str | None:
        """The `user_id=`/`Filters(visible_to=)` value: None lets admins see every row."""
        return None if self.is_admin else self.user_id

    @property
    def name(self) -> str:
        return self.label or self.user_id


class SignInRefused(Exception):
    """The provider signed someone in, but not in a way GenVault accepts; the message says why."""


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


def identity_from(claims, allow_unverified: bool) -> Identity:
    """The signed-in account from the ID token's claims; SignInRefused when it can't be accepted."""
    issuer, subject = str(claims.get("iss") or "").strip(), str(claims.get("sub") or "").strip()
    email = str(claims.get("email") or "").strip().lower() or None
    if not issuer or not subject:
        raise SignInRefused("Your identity provider did not say who you are (no issuer or subject).")
    verified = _claimed_bool(claims.get("email_verified"))
    if verified is False:  # an explicit "not confirmed" is never good enough, whatever the setting
        raise SignInRefused(f"Your identity provider did not confirm the email address {email or ''}. "
                            "Confirm it with your provider, then log in again.")
    if verified is None and not allow_unverified:
        raise SignInRefused(f"Your identity provider did not confirm the email address {email or ''} (it sent "
                            "no email_verified claim). An admin can allow such sign-ins with "
                            "GENLIB_ALLOW_UNVERIFIED_EMAIL=1.")
    return Identity(issuer, subject, email, bool(verified))


def _claimed_bool(value) -> bool | None:
    """A boolean claim: None when absent; some providers send the strings "true"/"false"."""
    if value is None or isinstance(value, bool):
        return value
    return str(value).strip().lower() == "true"


def single_user_viewer() -> Viewer:
    return Viewer(os.environ.get("GENLIB_USER", "").strip() or "local", is_admin=True, signed_in=False)


def viewer_from_user(user) -> Viewer | None:
    """The signed-in viewer described by Streamlit's user info (`st.user`, or the auth cookie the
    file routes read); None when it says nobody is signed in; SignInRefused when it can't be accepted."""
    if not user.get("is_logged_in", False):
        return None
    vault = get_vault()
    who = identity_from(user, vault.settings.allow_unverified_email)
    is_admin = who.verified_email is not None and who.verified_email in admin_emails()
    return Viewer(vault.sign_in(who), is_admin=is_admin, signed_in=True, label=vault.user_label(who.key))


def current_viewer() -> Viewer | None:
    """The viewer, or None when sign-in is required and nobody is signed in."""
    if not auth_configured():
        return single_user_viewer()
    return viewer_from_user(st.user)


def _viewer_or_refusal() -> Viewer | SignInRefused | None:
    try:
        return current_viewer()
    except SignInRefused as refused:
        return refused


def require_viewer() -> Viewer:
    """The viewer; otherwise a sign-in screen (or why a sign-in was refused) and the run stops here."""
    found: list = []
    run_guarded(lambda: found.append(_viewer_or_refusal()), "sign-in")  # e.g. the database is locked
    if not found:
        st.stop()
    if isinstance(found[0], SignInRefused):
        st.title("GenVault")
        st.error(md_escape(str(found[0])), icon=":material/no_accounts:")
        st.button("Log out", key="logout", on_click=st.logout)
        st.stop()
    if found[0] is not None:
        return found[0]
    st.title("GenVault")
    st.info("Sign in to see and create your generations.")
    st.button("Log in", key="login", type="primary", on_click=st.login)
    st.stop()


def sidebar_identity(viewer: Viewer) -> None:
    if viewer.signed_in:
        role = " (admin)" if viewer.is_admin else ""
        st.sidebar.caption(f"Signed in as {md_escape(viewer.name)}{role}")
        st.sidebar.button("Log out", key="logout", on_click=st.logout)
    else:
        st.sidebar.caption(f"Single-user mode: {md_escape(viewer.user_id)}")
