"""The Generate form: Output, Model, options, Prompt, the cost estimate, and submit-then-redirect.

Output, Model and the options sit outside the form so the estimate follows them as they change;
the Prompt and the Generate button are in the form, which makes Ctrl+Enter submit. On submit the
record is saved first (`vault.start`), then the page moves to `/generate?id=<id>`.
"""
from __future__ import annotations

import streamlit as st

from genlib import (IMAGE, IMAGE_QUALITIES, IMAGE_SIZES, TEXT, BadRequest, BudgetExceeded, GenerationRequest,
                    RateLimited, StorageUnavailable)

from .auth import Viewer
from .budgets import budget_notice
from .nav import open_generation
from .render import format_cost, md_escape, offline_banner
from .vault import models_for


def show_form(vault, viewer: Viewer) -> None:
    st.title("Generate")
    offline_banner(vault)
    budget_notice(vault, viewer)
    left, right = st.columns([1, 2])
    with left:
        output = st.radio("Output", ["Text", "Image"], horizontal=True, key="output")
    kind = IMAGE if output == "Image" else TEXT
    with right:
        model = st.selectbox("Model", models_for(vault, kind), key=f"model_{kind}")
    system_prompt, params = _options(kind)
    with st.form("generate_form", border=False):
        prompt = st.text_area("Prompt", key="prompt", height=180,
                              placeholder="Ask for text or describe a picture. Ctrl+Enter generates.")
        _estimate(vault, GenerationRequest(st.session_state.get("prompt") or " ", model, kind,
                                           system_prompt or None, params))
        submitted = st.form_submit_button("Generate", type="primary", icon=":material/auto_awesome:")
    if submitted:
        request = GenerationRequest(prompt, model, kind, system_prompt or None, params)
        start_and_open(vault, viewer, request)


def _options(kind: str) -> tuple[str, dict]:
    """The expander's settings; only values the user chose are sent (None = model default)."""
    with st.expander("Options"):
        if kind == IMAGE:
            size = st.selectbox("Image size", IMAGE_SIZES, index=None, placeholder="model default", key="size")
            quality = st.selectbox("Image quality", IMAGE_QUALITIES, index=None,
                                   placeholder="model default", key="quality")
            return "", {"size": size, "quality": quality}
        system = st.text_area("System prompt", key="system_prompt", height=80)
        temperature = st.number_input("Temperature", min_value=0.0, max_value=2.0, value=None, step=0.1,
                                      placeholder="model default", key="temperature")
        max_tokens = st.number_input("Max tokens", min_value=1, max_value=1_000_000, value=None, step=1,
                                     placeholder="model default", key="max_tokens")
    return system, {"temperature": temperature, "max_tokens": max_tokens}


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


def start_and_open(vault, viewer: Viewer, request: GenerationRequest, **start_kwargs) -> None:
    """Save the generation, then move to its URL; a refused request leaves the page (and prompt) as is."""
    try:
        gen_id = vault.start(request, viewer.user_id, **start_kwargs)
    except BadRequest as exc:
        st.error(md_escape(str(exc)), icon=":material/edit_note:")  # quotes what was typed
        return
    except StorageUnavailable as exc:
        st.error(md_escape(f"Nothing was generated: {exc}"), icon=":material/database:")
        return
    except (BudgetExceeded, RateLimited) as exc:  # refused before any provider call
        st.error(md_escape(str(exc)), icon=":material/savings:")
        return
    open_generation(gen_id)
