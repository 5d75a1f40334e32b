"""The Compare form (`/compare`): one prompt, 2–6 models each with its own temperature and max
tokens, blind mode, and the estimated total cost before anything is sent.

Plain widgets (not a form), so the estimate follows every change. Starting runs in the button's
callback: `vault.compare_start` admits all panels or none; on success the URL becomes
`/compare?id=<group id>` and the same run draws the group.
"""
from __future__ import annotations

import streamlit as st

from genlib import MAX_PANELS, MIN_PANELS, TEXT, BadRequest, BudgetExceeded, Panel, RateLimited, StorageUnavailable

from .auth import Viewer
from .render import format_cost, md_escape
from .vault import looks_like_image_model, models_for

REFUSED = "_compare_refused"


def show_compare_form(vault, viewer: Viewer) -> None:
    st.text_area("Prompt", key="cmp_prompt", height=120, placeholder="Ask every model the same question")
    with st.expander("System prompt"):
        st.text_area("System prompt", key="cmp_system", label_visibility="collapsed")
    count = st.number_input("Models", min_value=MIN_PANELS, max_value=MAX_PANELS, value=2, step=1, key="cmp_n")
    every = models_for(vault, TEXT)
    models = [m for m in every if not looks_like_image_model(m)] or every  # text answers side by side
    columns = st.columns(int(count))
    for i, column in enumerate(columns):
        with column:
            _panel_settings(i, models)
    st.toggle("Blind: hide the model names until I pick the better answer", key="cmp_blind")
    _estimate(vault, viewer)
    refused = st.session_state.pop(REFUSED, None)
    if refused:
        st.error(refused, icon=":material/block:")
    st.button("Compare", type="primary", icon=":material/compare_arrows:", key="cmp_start",
              on_click=_start, args=(vault, viewer))


def _panel_settings(i: int, models: list[str]) -> None:
    st.selectbox(f"Model {i + 1}", models, index=min(i, len(models) - 1), key=f"cmp_model_{i}")
    st.number_input("Temperature", min_value=0.0, max_value=2.0, value=1.0, step=0.1, key=f"cmp_temp_{i}")
    st.number_input("Max tokens (0: the default)", min_value=0, max_value=200_000, value=0, step=256,
                    key=f"cmp_max_{i}")


def form_panels() -> list[Panel]:
    panels = []
    for i in range(int(st.session_state.get("cmp_n", MIN_PANELS))):
        params = {"temperature": float(st.session_state.get(f"cmp_temp_{i}", 1.0))}
        if st.session_state.get(f"cmp_max_{i}"):
            params["max_tokens"] = int(st.session_state[f"cmp_max_{i}"])
        panels.append(Panel(str(st.session_state.get(f"cmp_model_{i}") or ""), params))
    return panels


def _asked() -> tuple[str, str | None]:
    return st.session_state.get("cmp_prompt") or "", st.session_state.get("cmp_system") or None


def _estimate(vault, viewer: Viewer) -> None:
    prompt, system = _asked()
    if not prompt.strip():
        st.caption("Type a prompt to see the estimated cost of the comparison.")
        return
    try:
        low, high, unpriced = vault.compare_estimate(vault.compare_requests(prompt, system, form_panels(),
                                                                            viewer.user_id))
    except BadRequest as exc:
        st.caption(md_escape(str(exc)))
        return
    except Exception:  # noqa: BLE001 - an estimate is a hint; never block the form on it
        return
    text = f"Estimated total cost: {format_cost(low)} – {format_cost(high)} (the high end assumes every " \
           "answer is as long as Max tokens allows)"
    if unpriced:
        text += f"; no price known for {md_escape(', '.join(sorted(set(unpriced))))} (recorded as unpriced)"
    st.caption(text)


def _start(vault, viewer: Viewer) -> None:
    prompt, system = _asked()
    try:
        group_id = vault.compare_start(prompt, system, form_panels(), viewer.user_id,
                                       blind=bool(st.session_state.get("cmp_blind")))
    except (BadRequest, BudgetExceeded, RateLimited) as exc:  # refused before any provider call
        st.session_state[REFUSED] = md_escape(f"Nothing was sent: {exc}")
        return
    except StorageUnavailable as exc:
        st.session_state[REFUSED] = md_escape(f"Nothing was generated: {exc}")
        return
    st.query_params.from_dict({"id": group_id})
