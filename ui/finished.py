"""The finished view of a generation: provenance, the answer, actions, details and Continue.

Provenance first, because it changes how to read the answer: served from the dedup cache (and
how old that answer is), regenerated from another one, stopped, interrupted or failed (Retry).
"""
from __future__ import annotations

import streamlit as st

from genlib import CANCELLED, ERROR, IMAGE, INTERRUPTED, TEXT, Generation

from .auth import Viewer
from .compose import start_and_open
from .fileurls import answer_href, record_href
from .images import load_image, show_image
from .nav import link_to_generation, link_to_image
from .render import ago, estimated_mark, format_cost, md_escape, metadata_frame, status_badge, token_line
from .textview import copy_block, show_text

ENDED_NOTES = {CANCELLED: "Stopped before the end: the text received until then is kept.",
               INTERRUPTED: "The app stopped while this was running; the text received until then is kept."}
ERROR_CHARS = 2_000  # a provider's error message is a sentence or two; an HTML error page is cut


def show_finished(vault, viewer: Viewer, gen: Generation) -> None:
    _summary(gen)
    _provenance(vault, viewer, gen)
    with st.chat_message("assistant"):
        if gen.kind == IMAGE:
            show_images(vault, gen)
        elif gen.result_text:
            show_text(gen.result_text, f"answer_{gen.id}", " Download answer has all of it.")
        else:
            st.caption("No text was received.")
    _actions(vault, viewer, gen)
    st.subheader("Details")
    st.dataframe(metadata_frame(gen), hide_index=True, width="stretch", key="details")
    if gen.kind == TEXT and gen.result_text:
        _continue(vault, viewer, gen)


def _summary(gen: Generation) -> None:
    badge, line = st.columns([1, 5], vertical_alignment="center")
    with badge:
        status_badge(gen.status)
    line.caption(f"{md_escape(gen.model_used or gen.model_requested)} · {token_line(gen)} tokens"
                 f"{estimated_mark(gen.usage_estimated)} · "
                 f"{format_cost(gen.cost_usd, gen.usage_estimated)}")


def _provenance(vault, viewer: Viewer, gen: Generation) -> None:
    if gen.cached_from:
        _cache_notice(vault, viewer, gen)
    if gen.regenerated_from:
        link_to_generation(gen.regenerated_from, "Regenerated from an earlier generation", icon=":material/undo:")
    if gen.status in ENDED_NOTES:
        # provider-sourced text: plain text, every Markdown character escaped (ui/safe_markdown.py)
        st.warning(_error_text(gen) if gen.status == INTERRUPTED and gen.error else ENDED_NOTES[gen.status])
    if gen.status == ERROR:
        st.error(_error_text(gen) or "The generation failed.", icon=":material/error:")
        if st.button("Retry", key="retry", icon=":material/refresh:", type="primary"):
            retry_or_regenerate(vault, viewer, gen, force=False)


def _error_text(gen: Generation) -> str:
    text = gen.error or ""
    return md_escape(text if len(text) <= ERROR_CHARS else text[:ERROR_CHARS] + " …")


def _cache_notice(vault, viewer: Viewer, gen: Generation) -> None:
    """A dedup hit: no provider call was made; say where the answer came from and how old it is.
    Nothing of a record the viewer may not see is shown, not even its age (a shared-cache hit of
    another user's answer records no id at all)."""
    original = vault.get(gen.cached_from, viewer.visible_to)
    age = f" The saved answer is {ago(gen.created_utc - original.created_utc)} old." if original else ""
    saved = f" Saved {format_cost(gen.cost_saved_usd)}." if gen.cost_saved_usd is not None else ""
    if gen.status == INTERRUPTED:  # it followed an identical request in flight when the app stopped
        st.info("Followed an identical request that was in flight, so no provider call was made.",
                icon=":material/cached:")
    else:
        st.info(f"Served from the cache: an identical request was already answered, so no provider call "
                f"was made.{age}{saved} Regenerate makes a fresh call.", icon=":material/cached:")
    if original is not None:
        link_to_generation(original.id, "Open the original generation", icon=":material/link:")


def _actions(vault, viewer: Viewer, gen: Generation) -> None:
    regen, download, record = st.columns(3)
    if regen.button("Regenerate", key="regenerate", icon=":material/autorenew:"):
        retry_or_regenerate(vault, viewer, gen, force=True)
    with download:
        if gen.kind == TEXT:
            st.link_button("Download answer", answer_href(gen.id), icon=":material/download:")
        else:
            link_to_image(gen.id)
    # Links to the app's own file routes (ui/routes.py), which check the sign-in on every request,
    # instead of download buttons whose bytes Streamlit serves to anyone holding the /media URL.
    record.link_button("Download record (JSON)", record_href(gen.id), icon=":material/download:")
    if gen.kind == TEXT and gen.result_text:
        with st.expander("Copy answer (Markdown source)"):
            copy_block(gen.result_text)


def _continue(vault, viewer: Viewer, gen: Generation) -> None:
    """A follow-up turn with this conversation as context; it gets its own id and URL."""
    with st.form("continue_form", border=False):
        follow_up = st.text_area("Follow-up", key="follow_up", height=100,
                                 placeholder="Ask a follow-up question. Ctrl+Enter continues.")
        if st.form_submit_button("Continue", icon=":material/forum:"):
            start_and_open(vault, viewer, vault.continue_request(gen, follow_up))


def show_images(vault, gen: Generation) -> None:
    """The saved pictures; a missing or corrupt file is said plainly and the rest still shows."""
    if not gen.images:
        st.caption("No image was saved for this generation.")
    for index, meta in enumerate(gen.images):
        _, problem = load_image(vault, meta.get("path"))
        if problem:
            st.warning(problem, icon=":material/broken_image:")
            continue
        show_image(gen.id, index, caption=f"{meta.get('width', '?')}×{meta.get('height', '?')}")


def retry_or_regenerate(vault, viewer: Viewer, gen: Generation, force: bool) -> None:
    """A fresh call linked to this one (`force` skips the dedup cache: that is what Regenerate means)."""
    start_and_open(vault, viewer, vault.regenerate_request(gen), force=force, regenerated_from=gen.id)
