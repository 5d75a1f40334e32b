"""One generation's page (`/generate?id=<id>`): live while it runs, then the saved record.

While the generation is pending or streaming, a fragment polls `vault.get` every 0.5 s and shows
the text as it is saved, with a Stop button; when it ends, a full rerun stops the timer and shows
the finished view (answer, provenance, actions, details, Continue). Everything is read from the
Vault, so a reload, a second tab or another browser shows the same thing.
"""
from __future__ import annotations

import streamlit as st

from genlib import IMAGE, Generation, estimate_tokens

from .auth import Viewer
from .finished import show_finished
from .guard import run_guarded
from .nav import GENERATE, link_to_generation, not_found
from .render import format_cost, md_escape, status_badge, utcnow
from .textview import show_live_tail, show_text

POLL_SECONDS = 0.5


def show_generation(vault, viewer: Viewer, gen_id: str) -> None:
    gen = vault.get(gen_id, viewer.visible_to)  # None for malformed, unknown or someone else's
    if gen is None:
        not_found()
        return
    st.title("Generation")
    st.page_link(GENERATE, label="New generation", icon=":material/add:")
    _thread(vault, viewer, gen)
    _prompt(gen)
    if gen.is_live:
        panel = st.fragment(_live_panel, run_every=POLL_SECONDS)
        panel(vault, viewer, gen.id)
    else:
        show_finished(vault, viewer, gen)


def _live_panel(vault, viewer: Viewer, gen_id: str) -> None:
    """Polled while the generation runs; hands over to a full rerun once it has ended."""
    gen = vault.get(gen_id, viewer.visible_to)
    if gen is None or not gen.is_live:
        st.rerun()  # app scope: the full run draws the finished view and drops this timer
    run_guarded(lambda: _live_body(vault, viewer, gen), "live generation")


def _live_body(vault, viewer: Viewer, gen: Generation) -> None:
    badge, stats, stop = st.columns([1, 3, 1], vertical_alignment="center")
    with badge:
        status_badge(gen.status)
    elapsed = (utcnow() - (gen.request_sent_utc or gen.created_utc)).total_seconds()
    tokens = estimate_tokens(gen.result_text) if gen.result_text else 0
    stats.caption(f"≈ {tokens:,} tokens so far · {elapsed:.1f} s elapsed · model {md_escape(gen.model_requested)}")
    stop.button("Stop", key="stop", icon=":material/stop_circle:", on_click=_stop,
                args=(vault, viewer, gen.id))
    with st.chat_message("assistant"):
        if gen.kind == IMAGE:
            st.caption("Drawing the image…")
        elif gen.result_text:
            show_live_tail(gen.result_text)
        else:
            st.caption("Waiting for the first token…")


def _stop(vault, viewer: Viewer, gen_id: str) -> None:
    if not vault.cancel(gen_id, viewer.visible_to):
        st.toast("It had already finished.")


def _prompt(gen: Generation) -> None:
    if gen.system_prompt:
        st.caption("System prompt: " + md_escape(" ".join(gen.system_prompt[:300].split())))
    with st.chat_message("user"):
        show_text(gen.prompt, f"prompt_{gen.id}")


def _thread(vault, viewer: Viewer, gen: Generation) -> None:
    """Earlier turns of a continued conversation, oldest first (only those this viewer may see)."""
    if not gen.parent_id:
        return
    turns = [t for t in vault.thread(gen.id)[:-1] if viewer.visible_to in (None, t.user_id)]
    if not turns:
        return
    with st.expander(f"Conversation so far ({len(turns)} earlier turn{'s' * (len(turns) > 1)})", expanded=True):
        for turn in turns:
            with st.chat_message("user"):
                show_text(turn.prompt, f"prompt_{turn.id}")
            with st.chat_message("assistant"):
                if turn.result_text:
                    show_text(turn.result_text, f"answer_{turn.id}")
                else:
                    st.caption("(no text)")
                link_to_generation(turn.id, f"Open this turn ({format_cost(turn.cost_usd)})",
                                   icon=":material/link:")
