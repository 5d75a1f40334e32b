"""Page bodies run inside `run_guarded`: a user sees a readable message, never a traceback.

genlib's own errors carry user-facing sentences and are shown as they are; anything else is logged
server-side with its traceback and shown as a short apology. Streamlit's control-flow exceptions
(rerun, stop, switch_page) are BaseExceptions and pass through untouched.
"""
from __future__ import annotations

import logging
from typing import Callable

import streamlit as st

from genlib import GenlibError, StorageUnavailable

from .safe_markdown import md_escape

log = logging.getLogger("genvault.ui")


def storage_notice(vault):
    """Show a notice while the database or object store is down (pages still show what they can:
    a live generation's text is in memory); returns the vault, to wrap `get_vault()`."""
    problem = vault.storage_problem()
    if problem:
        st.warning(md_escape(f"Storage is unavailable: {problem}"), icon=":material/database:")
    return vault


def run_guarded(body: Callable[[], None], where: str = "page") -> None:
    try:
        body()
    except StorageUnavailable as exc:
        st.error(md_escape(f"Storage is unavailable: {exc}"), icon=":material/database:")
    except GenlibError as exc:  # its message may quote a record's or a request's text
        st.error(md_escape(str(exc)))
    except Exception:  # noqa: BLE001 - the whole point: no traceback reaches the browser
        log.exception("unexpected error on the %s", where)
        st.error("Something went wrong while showing this. It has been logged on the server; "
                 "reload the page to try again.", icon=":material/error:")
