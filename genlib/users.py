"""Signed-in users: one stable key per identity-provider account, the email for display only.

A user's key (the `user_id` of their generations) is `<issuer>#<subject>`: OIDC issuers are URLs
without a fragment, so the `#` is unambiguous, and issuer + subject never change or get reused, as an
email can. Admin rights and per-user budgets are configured by email, so they follow the email only
when the provider verified it. Records saved before keys existed carry the user's email: the first
account to sign in with that *verified* email takes them over (once, in one transaction).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass


KEY_SEP = "#"


@dataclass(frozen=True)
class Identity:
    """Who the identity provider says signed in; `email_verified` is True only if it said so."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool

    @property
    def key(self) -> str:
        return f"{self.issuer}{KEY_SEP}{self.subject}"

    @property
    def verified_email(self) -> str | None:
        return self.email if self.email and self.email_verified else None


class UserDirectory:
    """The users table, cached in memory (one Vault per database file, so this process writes it)."""

    def __init__(self, store):
        self._store = store
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[str | None, bool]] = {}  # signed in since start: no write per page
        self._known: dict[str, tuple[str | None, bool]] | None = None

    def sign_in(self, who: Identity) -> bool:
        """Record the sign-in; True when it took over legacy records saved under the verified email."""
        if self._seen.get(who.key) == (who.email, who.email_verified):
            return False
        with self._lock:
            new = who.key not in self._all()
            # rows from before keys existed: their user_id is the lower-cased email
            legacy = who.verified_email if new else None
            self._store.sign_in(who.key, who.issuer, who.subject, who.email, who.email_verified, legacy)
            self._seen[who.key] = self._all()[who.key] = (who.email, who.email_verified)
        return legacy is not None

    def label(self, user_id: str) -> str:
        """What to show for a user: their email (marked when unverified), else the id itself."""
        email, verified = self._find(user_id) or (None, True)
        if not email:
            return user_id
        return email if verified else f"{email} (unverified)"

    def budget_name(self, user_id: str) -> str:
        """The name per-user budgets are looked up by: the verified email, else the id itself. Budget
        spend is added up by lower-cased id (legacy ids are emails), so the lookup ignores case too."""
        email, verified = self._find(user_id) or (None, False)
        return email if email and verified else user_id

    def _find(self, user_id: str) -> tuple[str | None, bool] | None:
        known = self._all()
        if user_id in known:
            return known[user_id]
        return next((v for k, v in known.items() if k.lower() == user_id.lower()), None)

    def _all(self) -> dict[str, tuple[str | None, bool]]:
        if self._known is None:
            self._known = {user_id: (email, verified) for user_id, email, verified in self._store.users()}
        return self._known

