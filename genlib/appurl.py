"""The app's links as users open them, for what leaves the app: the CLI's output and batch exports.

GENLIB_PUBLIC_URL is the app's address as its users reach it (behind a proxy, its public name);
unset, `make run`'s address. Inside the app, links are relative and need none of this.
"""
from __future__ import annotations

import os

DEFAULT_PUBLIC_URL = "http://localhost:8501"


def app_url(path_and_query: str) -> str:
    """`path_and_query` ("/generate?id=…") under the app's public address."""
    base = os.environ.get("GENLIB_PUBLIC_URL", "").strip() or DEFAULT_PUBLIC_URL
    return f"{base.rstrip('/')}{path_and_query}"
