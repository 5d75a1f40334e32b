"""The Generate form's settings kept across views: "New generation" and "Edit and rerun".

Streamlit forgets a widget's value once a run doesn't draw it (the generation page draws no
form), so the settings are copied to plain session keys on submit and put back into the
widgets' keys before the form is drawn again. "Edit and rerun" fills them (and the prompt)
from a saved generation instead.
"""
from __future__ import annotations

import streamlit as st

from genlib import IMAGE, Generation

SETTINGS = ("output", "model_text", "model_image", "system_prompt", "temperature", "max_tokens", "size", "quality")
KEPT = "_kept_"
PROMPT_KEY = "prompt"


def remember_settings() -> None:
    """Copy the form's current settings (not the prompt) to keys that outlive the form."""
    for key in SETTINGS:
        if key in st.session_state:
            st.session_state[KEPT + key] = st.session_state[key]


def restore_settings() -> None:
    """Before the form is drawn: put kept values back into widgets that lost theirs."""
    for key in (*SETTINGS, PROMPT_KEY):
        kept = st.session_state.pop(KEPT + key, None) if key == PROMPT_KEY else st.session_state.get(KEPT + key)
        if kept is not None and key not in st.session_state:
            st.session_state[key] = kept


def edit_settings(gen: Generation) -> None:
    """Fill the form from a saved generation: its prompt, model, system prompt and parameters."""
    params, image = gen.params, gen.kind == IMAGE
    values = {"output": "Image" if image else "Text", f"model_{gen.kind}": gen.model_requested,
              PROMPT_KEY: gen.prompt, "system_prompt": gen.system_prompt or "",
              "temperature": _number(params.get("temperature"), float),
              "max_tokens": _number(params.get("max_tokens"), int),
              "size": params.get("size"), "quality": params.get("quality")}
    for key, value in values.items():
        st.session_state.pop(key, None)  # the widget isn't drawn: let restore_settings set it
        if value is None:
            st.session_state.pop(KEPT + key, None)
        else:
            st.session_state[KEPT + key] = value


def _number(value, kind):
    """As the form's number input holds it (a stored 1 is 1.0 for Temperature), None if unusable."""
    try:
        return None if value is None else kind(value)
    except (TypeError, ValueError):
        return None
