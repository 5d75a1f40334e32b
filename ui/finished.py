"""The finished view of a generation: summary, provenance, the answer, actions, Continue, details.

The summary line carries what an analyst compares runs by (model, time to first token, duration,
tokens, cost, parameters) with a copy-id button. Provenance comes before the answer, because it
changes how to read it: served from the dedup cache (and how old that answer is), regenerated
from another one, stopped, interrupted or failed (Retry, the only rerun offered then). The
follow-up box sits right under the answer; Details, whole, come last.
"""
from __future__ import annotations

import html
from dataclasses import replace

import streamlit as st

from genlib import CANCELLED, ERROR, IMAGE, INTERRUPTED, TEXT, BadRequest, Generation

from .auth import Viewer
from .attachments import FOLLOW_UP_KEY, uploaded, uploader
from .compose import refuse_upload, show_refusal, start_here
from .fileurls import answer_href, image_href, record_href
from .images import load_image, show_image
from .nav import link_to_generation, link_to_image
from .render import (ago, estimated_mark, format_cost, format_ms, format_params, md_escape, metadata_frame,
                     status_badge, token_line)
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
    show_refusal(vault, viewer)  # a Regenerate or Continue the budget (or a check) refused
    if gen.kind == TEXT and gen.result_text:
        _continue(vault, viewer, gen)
    st.subheader("Details")
    # Every row at once (height "content": no inner scroll box hiding Cost or Parameters). Not
    # st.table: it renders cells as Markdown, and these values come from the record and provider.
    st.dataframe(metadata_frame(gen), hide_index=True, width="stretch", height="content", key="details",
                 column_config={"Field": st.column_config.TextColumn(width="small"),
                                "Value": st.column_config.TextColumn(width="large")})


def _summary(gen: Generation) -> None:
    parts = [md_escape(gen.model_used or gen.model_requested)]
    if gen.kind == TEXT and gen.ttft_ms is not None:
        parts.append(f"first token {format_ms(gen.ttft_ms)}")
    parts.append(f"{format_ms(gen.duration_ms)} in all")
    parts.append(f"{token_line(gen)} tokens{estimated_mark(gen.usage_estimated)}")
    parts.append(format_cost(gen.cost_usd, gen.usage_estimated))
    parts.append(md_escape(format_params(gen.params)))
    # A row sized by its content, not fixed columns: the badge keeps its whole word ("complete",
    # "interrupted") at every width, the line takes what is left and wraps.
    with st.container(horizontal=True, vertical_alignment="center", key="summary"):
        status_badge(gen.status)
        st.caption(" · ".join(parts), width="stretch")
        st.html(f'<button type="button" class="gv-copy-id" data-copy="{html.escape(gen.id, quote=True)}" '
                f'title="Copy the id {html.escape(gen.id, quote=True)}">Copy id</button>{COPY_CSS}', width="content")


COPY_CSS = """<style>
.gv-copy-id{font:inherit;font-size:.875rem;padding:.25rem .6rem;border-radius:.5rem;
border:1px solid rgba(128,128,128,.4);background:transparent;color:inherit;cursor:pointer;white-space:nowrap}
.gv-copy-id:hover{border-color:currentColor}</style>"""


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
        st.button("Retry", key="retry", icon=":material/refresh:", type="primary",
                  on_click=retry_or_regenerate, args=(vault, viewer, gen, False))


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
    """One compact row; a failed generation offers Retry (above) rather than Regenerate too."""
    row = st.container(horizontal=True, key="actions")
    if gen.status != ERROR:
        row.button("Regenerate", key="regenerate", icon=":material/autorenew:",
                   on_click=retry_or_regenerate, args=(vault, viewer, gen, True))
        with row.popover("Regenerate with…", icon=":material/tune:"):
            _regenerate_with(vault, viewer, gen)
    # Links to the app's own file routes (ui/routes.py), which check the sign-in on every request,
    # instead of download buttons whose bytes Streamlit serves to anyone holding the /media URL.
    if gen.kind == TEXT and gen.result_text:
        row.link_button("Download answer", answer_href(gen.id), icon=":material/download:")
    if gen.kind == IMAGE and gen.images:
        row.link_button("Download image", image_href(gen.id, 0, download=True), icon=":material/download:")
        with row:
            link_to_image(gen.id)
    row.link_button("Download record (JSON)", record_href(gen.id), icon=":material/download:")
    if gen.kind == TEXT and gen.result_text:
        with st.expander("Copy answer (Markdown source)"):
            copy_block(gen.result_text)


def _regenerate_with(vault, viewer: Viewer, gen: Generation) -> None:
    """Regenerate with changed parameters (a fresh call, linked to this one)."""
    if gen.kind == TEXT:
        temperature, max_tokens = gen.params.get("temperature"), gen.params.get("max_tokens")
        st.number_input("Temperature", min_value=0.0, max_value=2.0, step=0.1, placeholder="model default",
                        value=None if temperature is None else float(temperature), key=f"regen_temperature_{gen.id}")
        st.number_input("Max tokens", min_value=1, max_value=1_000_000, step=1, placeholder="model default",
                        value=None if max_tokens is None else int(max_tokens), key=f"regen_max_tokens_{gen.id}")
    st.button("Regenerate with these", key="regenerate_with", icon=":material/autorenew:", type="primary",
              on_click=_regenerate_changed, args=(vault, viewer, gen))


def _regenerate_changed(vault, viewer: Viewer, gen: Generation) -> None:
    request = vault.regenerate_request(gen)
    if gen.kind == TEXT:
        changed = {"temperature": st.session_state.get(f"regen_temperature_{gen.id}"),
                   "max_tokens": st.session_state.get(f"regen_max_tokens_{gen.id}")}
        params = {k: v for k, v in {**request.params, **changed}.items() if v is not None}
        request = replace(request, params=params)
    start_here(vault, viewer, request, force=True, regenerated_from=gen.id)


def _continue(vault, viewer: Viewer, gen: Generation) -> None:
    """A follow-up turn with this conversation as context; it gets its own id and URL."""
    with st.form("continue_form", border=False):
        st.text_area("Follow-up", key="follow_up", height=100,
                     placeholder="Ask a follow-up question. Ctrl+Enter continues.")
        uploader(TEXT, FOLLOW_UP_KEY)
        st.form_submit_button("Continue", icon=":material/forum:", on_click=_continue_submit,
                              args=(vault, viewer, gen))


def _continue_submit(vault, viewer: Viewer, gen: Generation) -> None:
    try:
        images = uploaded(TEXT, FOLLOW_UP_KEY)
    except BadRequest as exc:
        refuse_upload(exc)
        return
    request = vault.continue_request(gen, st.session_state.get("follow_up") or "")
    start_here(vault, viewer, replace(request, attachments=images))


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
    start_here(vault, viewer, vault.regenerate_request(gen), force=force, regenerated_from=gen.id)
