"""The read-only page of a share link (`/?share=<token>`), drawn before the sign-in gate: one
generation (cost and system prompt only if the owner chose), no navigation, sidebar or links.
A revoked, expired or unknown link, or sharing off, shows one sentence (checked on every load).
A live generation is redrawn every second (the SSE live stream is for signed-in viewers only).
"""
from __future__ import annotations

import base64

import streamlit as st

from genlib import IMAGE, Generation, GenlibError, ShareUnavailable

from .images import load_image, mime_of
from .render import format_cost, md_escape, status_badge
from .textview import show_collapsible, show_text
from .vault import get_vault

LIVE_REFRESH_S = 1.0
HIDE_CHROME = "<style>[data-testid='stSidebar'],[data-testid='stSidebarCollapsedControl']{display:none}</style>"


def share_token() -> str | None:
    """The `share` query parameter, when this run is a share link's."""
    token = st.query_params.get("share")
    return str(token) if token is not None else None


def show_share_page() -> None:
    st.html(HIDE_CHROME)
    st.title("Shared generation", anchor=False)  # not even a link to itself
    token = share_token() or ""
    try:
        share, gen = get_vault().open_share(token, count_view=_first_run(token))
    except ShareUnavailable as gone:
        st.info(md_escape(str(gone)), icon=":material/link_off:")
        return
    except GenlibError as exc:  # the database is unreachable or locked: say it, no traceback
        st.error(md_escape(f"This shared generation can't be shown right now: {exc}"))
        return
    if gen.is_live:
        st.fragment(_live, run_every=LIVE_REFRESH_S)(token)
    else:
        _body(gen, share.include_cost)


def _first_run(token: str) -> bool:
    """A view counts once per visit, not per rerun of the page."""
    key = f"_share_seen_{hash(token)}"
    first = key not in st.session_state
    st.session_state[key] = True
    return first


def _live(token: str) -> None:
    try:
        share, gen = get_vault().open_share(token, count_view=False)
    except ShareUnavailable as gone:
        st.info(md_escape(str(gone)), icon=":material/link_off:")
        return
    _body(gen, share.include_cost)
    if not gen.is_live:
        st.rerun()  # the whole page once more, without this timer


def _body(gen: Generation, include_cost: bool) -> None:
    badge, line = st.columns([1, 8], vertical_alignment="center")
    with badge:
        status_badge(gen.status)
    parts = [md_escape(gen.model_used or gen.model_requested), f"{gen.created_utc:%Y-%m-%d %H:%M} UTC"]
    if include_cost:
        parts.append(format_cost(gen.cost_usd, gen.usage_estimated))
    line.caption(" · ".join(parts))
    if gen.system_prompt:
        st.caption("System prompt: " + md_escape(" ".join(gen.system_prompt[:2000].split())))
    with st.chat_message("user"):
        show_collapsible(gen.prompt, "shared_prompt")
    with st.chat_message("assistant"):
        if gen.kind == IMAGE:
            _pictures(gen)
        elif gen.result_text:
            show_text(gen.result_text, "shared_answer")
        else:
            st.caption("Waiting for the first words…" if gen.is_live else "No text was received.")


def _pictures(gen: Generation) -> None:
    """Inline data: images (the app's file routes serve signed-in owners only)."""
    for meta in gen.images:
        data, problem = load_image(get_vault(), meta.get("path"))
        if problem:
            st.warning(problem, icon=":material/broken_image:")
            continue
        st.html(f'<img alt="Shared image" style="max-width:100%" '
                f'src="data:{mime_of(data)};base64,{base64.b64encode(data).decode()}">')
