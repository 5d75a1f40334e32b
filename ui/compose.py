"""The Generate form: Output, Model, options, images (ui/attachments.py), Prompt, the cost estimate, submit-in-place.

Output, Model and the options sit outside the form so the estimate follows them as they change;
the Prompt and the Generate button are in the form, which makes Ctrl+Enter submit. Every start
(Generate, Continue, Retry, Regenerate, Edit and rerun) runs in the button's callback: the record
is saved first (`vault.start`), then the URL becomes `/generate?id=<id>` (a browser history
entry) and the same run draws the generation, one script run sooner than a page switch. A
refused start leaves the page as it was and says why once (`show_refusal`).
"""
from __future__ import annotations

import streamlit as st

from genlib import (IMAGE, IMAGE_QUALITIES, IMAGE_SIZES, TEXT, BadRequest, BudgetExceeded, GenerationRequest,
                    RateLimited, StorageUnavailable)

from .attachments import uploaded, uploader
from .auth import Viewer
from .budgets import budget_notice
from .pagescript import page_script
from .render import format_cost, md_escape, offline_banner
from .settings import remember_settings, restore_settings
from .vault import models_for

REFUSED = "_start_refused"  # session key: (icon, message) of the last refused start, shown once
JUST_STARTED = "_just_started"  # the generation page may forget the draft prompt it came from
STARTED_HERE = "_started_here"  # that generation's id, until the form shows again (a new draft is kept)


def show_form(vault, viewer: Viewer) -> None:
    st.session_state.pop(STARTED_HERE, None)  # Back to that generation then keeps the draft typed here
    restore_settings()
    st.title("Generate")
    offline_banner(vault)
    budget_notice(vault, viewer)
    left, right = st.columns([1, 2])
    with left:
        st.radio("Output", ["Text", "Image"], horizontal=True, key="output")
    kind = current_kind()
    models = models_for(vault, kind)
    if st.session_state.get(f"model_{kind}") not in (None, *models):  # kept or edited, no longer offered
        del st.session_state[f"model_{kind}"]
    with right:
        st.selectbox("Model", models, key=f"model_{kind}")
    _options(kind)
    uploader(kind)
    with st.form("generate_form", border=False):
        st.text_area("Prompt", key="prompt", height=180,
                     placeholder="Ask for text or describe a picture. Ctrl+Enter generates.")
        _estimate(vault, form_request(vault, " "))
        st.form_submit_button("Generate", type="primary", icon=":material/auto_awesome:",
                              on_click=_submit, args=(vault, viewer))
    show_refusal(vault, viewer)
    page_script("form")  # keeps the typed prompt across a reload (browser session storage)


def current_kind() -> str:
    return IMAGE if st.session_state.get("output") == "Image" else TEXT


def form_request(vault, prompt: str | None = None) -> GenerationRequest:
    """The request the form's widgets describe (read from session state, so callbacks can too; a
    widget whose value the client didn't send counts as its default, as when it is drawn)."""
    state, kind = st.session_state, current_kind()
    if kind == IMAGE:
        system, params = None, {"size": state.get("size"), "quality": state.get("quality")}
    else:
        system = state.get("system_prompt") or None
        params = {"temperature": state.get("temperature"), "max_tokens": state.get("max_tokens")}
    model = state.get(f"model_{kind}") or models_for(vault, kind)[0]
    text = (state.get("prompt") or "") if prompt is None else prompt
    return GenerationRequest(text, model, kind, system, params, attachments=_attached(kind))


def _attached(kind: str) -> tuple:
    """The uploaded images; a bad file makes none (the start refuses it with `check_uploads`)."""
    try:
        return uploaded(kind)
    except BadRequest:
        return ()


def _options(kind: str) -> None:
    """The expander's settings; only values the user chose are sent (None = model default)."""
    with st.expander("Options"):
        if kind == IMAGE:
            st.selectbox("Image size", IMAGE_SIZES, index=None, placeholder="model default", key="size")
            st.selectbox("Image quality", IMAGE_QUALITIES, index=None, placeholder="model default", key="quality")
            return
        st.text_area("System prompt", key="system_prompt", height=80)
        st.number_input("Temperature", min_value=0.0, max_value=2.0, value=None, step=0.1,
                        placeholder="model default", key="temperature")
        st.number_input("Max tokens", min_value=1, max_value=1_000_000, value=None, step=1,
                        placeholder="model default", key="max_tokens")


def _estimate(vault, request: GenerationRequest) -> None:
    """The cost range before submitting, when the model has a price."""
    try:
        estimate = vault.estimate_cost(request)
    except Exception:  # noqa: BLE001 - an estimate is a hint; never block the form on it
        estimate = None
    if estimate is None:
        st.caption("No price known for this model: the cost will be recorded as unpriced.")
        return
    low, high = estimate
    st.caption(f"Estimated cost: {format_cost(low)} – {format_cost(high)} (the high end assumes "
               "the longest answer Max tokens allows)")


def _submit(vault, viewer: Viewer) -> None:
    remember_settings()
    try:
        uploaded(current_kind())
    except BadRequest as exc:
        refuse_upload(exc)
        return
    start_here(vault, viewer, form_request(vault))


def refuse_upload(exc: BadRequest) -> None:
    """A file that is not an image: said like any refused start."""
    st.session_state[REFUSED] = (":material/hide_image:", md_escape(str(exc)))


def start_here(vault, viewer: Viewer, request: GenerationRequest, **start_kwargs) -> None:
    """In a button's callback: save the generation, then this run draws it at `/generate?id=`.

    A refused request leaves the URL (and the typed prompt) as they are; `show_refusal` says why."""
    try:
        gen_id = vault.start(request, viewer.user_id, **start_kwargs)
    except BadRequest as exc:
        st.session_state[REFUSED] = (":material/edit_note:", md_escape(str(exc)))  # quotes what was typed
        return
    except StorageUnavailable as exc:
        st.session_state[REFUSED] = (":material/database:", md_escape(f"Nothing was generated: {exc}"))
        return
    except BudgetExceeded as exc:  # refused before any provider call
        st.session_state[REFUSED] = (":material/savings:", md_escape(str(exc)), "budget")
        return
    except RateLimited as exc:
        st.session_state[REFUSED] = (":material/savings:", md_escape(str(exc)))
        return
    st.session_state.pop(REFUSED, None)
    st.session_state[JUST_STARTED] = True
    st.query_params.from_dict({"id": gen_id})  # Streamlit pushes a browser history entry for it


def show_refusal(vault=None, viewer: Viewer | None = None) -> None:
    """The last refused start, once, where the button was. A budget the notice at the top already
    calls used up (the same sentence) is not printed a second time: a short pointer instead."""
    refused = st.session_state.pop(REFUSED, None)
    if not refused:
        return
    icon, message, *kind = refused
    if kind and vault is not None and _notice_says_used_up(vault, viewer):
        st.caption("Not sent: the budget above is used up.")
        return
    st.error(message, icon=icon)


def _notice_says_used_up(vault, viewer: Viewer) -> bool:
    try:
        return any(use.fraction >= 1 for use in vault.budget_usage(viewer.user_id))
    except Exception:  # noqa: BLE001 - when in doubt, say it (twice is better than never)
        return False
