"""One generation's page (`/generate?id=<id>`): live while it runs, then the saved record.

While the generation is pending or streaming, the text arrives in the browser as Server-Sent
Events (ui/livestream.py, read by ui/live.js) at up to 20 updates a second, with no script run
per update; a fragment draws the status, the Stop button (Esc) and a hidden button the script
clicks when the status changes or the generation ends, so the full rerun draws the finished view
(answer, provenance, actions, Continue, details). A slow fragment timer is only the safety net.
Everything is read from the Vault, so a reload, a second tab or another browser shows the same.
"""
from __future__ import annotations

import time

import streamlit as st

from genlib import Generation

from .attachments import show_attachments
from .auth import Viewer
from .compose import JUST_STARTED, STARTED_HERE
from .deletion import confirm_delete, delete_button, show_tombstone
from .finished import show_finished
from .guard import run_guarded
from .marks import show_marks
from .liveblock import live_block_html, live_stats_html
from .nav import link_to_comparison, link_to_generation, not_found
from .pagescript import page_script
from .render import format_cost, md_escape, status_badge
from .settings import edit_settings
from .textview import show_collapsible, show_text

# The live text comes over ui/livestream.py; this timer only catches an end the browser missed.
FALLBACK_POLL_SECONDS = 10.0
# Just started here: wait this long for the first token before drawing the answer block, so it
# arrives with the block itself instead of one event-stream round trip after it.
FIRST_TOKEN_WAIT_S = 0.25
# ... and then leave the two cores to the browser's first paint of it before drawing the tags and
# notes below: drawn at once, they delayed the first visible token by ~30 ms idle, ~100 ms at load
# (bench/ui_live.py, A/B in docs/PERFORMANCE.md). Only on that run; a reload draws everything at once.
FIRST_PAINT_PAUSE_S = 0.15
TITLE_CHARS = 60


def show_generation(vault, viewer: Viewer, gen_id: str) -> None:
    gen = vault.get(gen_id, viewer.visible_to)  # None for malformed, unknown or someone else's
    tomb = vault.tombstone(gen_id, viewer.visible_to) if gen is not None and not gen.is_live else None
    if tomb is not None:
        show_tombstone(vault, tomb)
        return
    if gen is None:
        not_found()
        return
    st.set_page_config(page_title=tab_title(gen))
    st.title("Generation")
    top = st.container(horizontal=True, key="generation_top")
    top.button("New generation", key="new_generation", icon=":material/add:", on_click=new_generation)
    if not gen.is_live:
        top.button("Edit and rerun", key="edit_rerun", icon=":material/edit:", on_click=edit_and_rerun,
                   args=(gen,), help="Open the form with this prompt, model and settings, to change and run again")
        delete_button(top, gen.id)
    confirm_delete(vault, viewer, gen.id)
    _thread(vault, viewer, gen)
    link_to_comparison(vault, viewer, gen.id)
    _prompt(gen)
    # A full run (a reload keeps the session too) draws the live block afresh with the text so far;
    # the fragment's own reruns reuse that body, so the browser keeps the block and its stream.
    st.session_state.pop(f"_live_body_{gen.id}", None)
    # One container for the live view or the finished one, so the marks below keep their place in
    # the page when a generation ends: the browser then keeps their widgets (a tag being typed
    # survives the rerun that draws the finished view).
    just_started = bool(st.session_state.get(JUST_STARTED))
    with st.container(key="generation_body"):
        if gen.is_live:
            panel = st.fragment(_live_panel, run_every=FALLBACK_POLL_SECONDS)
            panel(vault, viewer, gen.id, just_started)
        else:
            show_finished(vault, viewer, gen)
    if just_started and gen.is_live:
        time.sleep(FIRST_PAINT_PAUSE_S)
    run_guarded(lambda: show_marks(vault, viewer, gen), "tags and notes")
    if just_started:
        st.session_state[STARTED_HERE] = gen.id
    # Every run of this page says so, not just the first: a quick generation's hand-over rerun could
    # replace the first run's markup before page.js (loaded async) read it, keeping the draft prompt.
    page_script("generation", started="1" if st.session_state.get(STARTED_HERE) == gen.id else "0")
    st.session_state.pop(JUST_STARTED, None)  # after page_script: a run stopped earlier keeps it for the next


def tab_title(gen: Generation) -> str:
    """The browser tab's title: the start of the prompt, so several open tabs tell apart."""
    words = " ".join(gen.prompt.split())
    return (words[:TITLE_CHARS].rstrip() + "…" if len(words) > TITLE_CHARS else words) or "Generation"


def new_generation() -> None:
    """An empty form at `/generate` (a browser history entry); the kept settings come back."""
    st.query_params.clear()


def edit_and_rerun(gen: Generation) -> None:
    edit_settings(gen)
    st.query_params.clear()


def _live_panel(vault, viewer: Viewer, gen_id: str, just_started: bool) -> None:
    """Drawn while the generation runs; hands over to a full rerun once it has ended."""
    gen = vault.get(gen_id, viewer.visible_to)
    if gen is None or not gen.is_live:
        st.rerun()  # app scope: the full run draws the finished view and drops this timer
    run_guarded(lambda: _live_body(vault, viewer, gen, just_started), "live generation")


def _live_body(vault, viewer: Viewer, gen: Generation, just_started: bool) -> None:
    badge, stats, stop = st.columns([1, 3, 1], vertical_alignment="center")
    with badge:
        status_badge(gen.status)
    with stats:
        st.html(live_stats_html(gen))  # kept current by live.js between reruns
    stop.button("Stop", key="stop", icon=":material/stop_circle:", on_click=_stop, args=(vault, viewer, gen.id),
                shortcut="Esc", help="Stop the generation, keeping the text received so far (Esc)")
    body_key = f"_live_body_{gen.id}"
    if just_started and body_key not in st.session_state:
        gen = _first_token(vault, viewer, gen)
    with st.chat_message("assistant"):
        # The same body on every rerun of this fragment, so the browser keeps the block (and its
        # event stream); each full run starts it with the text so far.
        body = st.session_state.setdefault(body_key, live_block_html(gen))
        st.html(body, unsafe_allow_javascript=True)
    with st.container(key="live_refresh"):  # hidden; live.js clicks it to hand over to a rerun
        st.button("Refresh", key="live_refresh_button")


def _first_token(vault, viewer: Viewer, gen: Generation) -> Generation:
    """The record once its first text is in (or it ended, or FIRST_TOKEN_WAIT_S passed)."""
    deadline = time.monotonic() + FIRST_TOKEN_WAIT_S
    while gen.is_live and not gen.result_text and time.monotonic() < deadline:
        time.sleep(0.005)  # only on the run right after this session started it
        gen = vault.get(gen.id, viewer.visible_to) or gen
    return gen


def _stop(vault, viewer: Viewer, gen_id: str) -> None:
    if not vault.cancel(gen_id, viewer.visible_to):
        st.toast("It had already finished.")


def _prompt(gen: Generation) -> None:
    if gen.system_prompt:
        st.caption("System prompt: " + md_escape(" ".join(gen.system_prompt[:300].split())))
    with st.chat_message("user"):
        show_collapsible(gen.prompt, f"prompt_{gen.id}")
        show_attachments(gen)


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
                show_collapsible(turn.prompt, f"prompt_{turn.id}")
            with st.chat_message("assistant"):
                if turn.result_text:
                    show_text(turn.result_text, f"answer_{turn.id}")
                else:
                    st.caption("(no text)")
                link_to_generation(turn.id, f"Open this turn ({format_cost(turn.cost_usd)})",
                                   icon=":material/link:")
