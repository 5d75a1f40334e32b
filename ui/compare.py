"""The Compare page: `/compare` (the form, the leaderboard, recent groups) and `/compare?id=<group id>`.

A group's panels stream side by side, each through the same live block as `/generate?id=`
(ui/liveblock.py, ui/live.js): a fragment draws the columns and reruns when live.js clicks the
hidden refresh button (a status change or an end), then once every panel has ended a full run
draws the pick. Everything is read from the Vault, so a reload or another browser shows the same
group, live if still streaming. Blind groups say "Model A", "Model B"... and hide costs and links
until the pick.
"""
from __future__ import annotations

import streamlit as st

from genlib import TIE, CompareGroup, Generation, NotFound

from .auth import Viewer
from .compare_board import show_leaderboard, show_recent
from .compare_form import show_compare_form
from .guard import run_guarded
from .liveblock import live_block_html
from .nav import link_to_generation, not_found
from .render import format_cost, format_ms, md_escape, status_badge
from .textview import show_collapsible, show_text

POLL_SECONDS = 3.0  # refreshes the token counts; live.js asks for the status changes at once


def show_compare(vault, viewer: Viewer) -> None:
    group_id = st.query_params.get("id")
    if group_id is None:
        st.title("Compare models")
        show_compare_form(vault, viewer)
        show_leaderboard(vault, viewer)
        show_recent(vault, viewer)
        return
    group = vault.compare_get(group_id, viewer.visible_to)
    if group is None:
        not_found("Comparison")
        return
    _show_group(vault, viewer, group)


def _show_group(vault, viewer: Viewer, group: CompareGroup) -> None:
    st.title("Comparison")
    st.button("New comparison", key="cmp_new", icon=":material/add:", on_click=st.query_params.clear)
    if group.system_prompt:
        st.caption("System prompt: " + md_escape(" ".join(group.system_prompt[:300].split())))
    with st.chat_message("user"):
        show_collapsible(group.prompt, f"cmp_prompt_{group.id}")
    for gen_id in group.generation_ids:  # a full run starts each live block afresh (text so far)
        st.session_state.pop(f"_live_body_{gen_id}", None)
    gens = _panels(vault, viewer, group)
    live = any(g is not None and g.is_live for g in gens)
    columns = st.fragment(_columns, run_every=POLL_SECONDS if live else None)
    columns(vault, viewer, group.id, live)
    if not live:
        _pick(vault, viewer, vault.compare_get(group.id, viewer.visible_to) or group)


def _panels(vault, viewer: Viewer, group: CompareGroup) -> list[Generation | None]:
    return [vault.get(gen_id, viewer.visible_to) for gen_id in group.generation_ids]


def _columns(vault, viewer: Viewer, group_id: str, was_live: bool) -> None:
    group = vault.compare_get(group_id, viewer.visible_to)
    if group is None:
        st.rerun()  # gone meanwhile: the full run says "not found"
    gens = _panels(vault, viewer, group)
    live = any(g is not None and g.is_live for g in gens)
    if was_live and not live:
        st.rerun()  # app scope: the full run draws the finished panels, the pick, and no timer
    if live:
        st.button("Stop all", key="cmp_stop_all", icon=":material/stop_circle:", shortcut="Esc",
                  on_click=_stop, args=(vault, viewer, group.id, None), help="Stop every answer, keeping their text")
    for i, (column, gen) in enumerate(zip(st.columns(len(gens)), gens)):
        with column:
            run_guarded(lambda: _panel(vault, viewer, group, i, gen), f"compare panel {i}")
    if live:
        with st.container(key="live_refresh"):  # hidden (the live block's CSS); live.js clicks it
            st.button("Refresh", key="live_refresh_button")


def _panel(vault, viewer: Viewer, group: CompareGroup, i: int, gen: Generation | None) -> None:
    st.subheader(md_escape(group.label(i)), anchor=False)
    if gen is None:
        st.caption("This answer is no longer available.")
        return
    status_badge(gen.status)
    st.caption(md_escape(_stats(group, gen)))
    if gen.is_live:
        st.button("Stop", key=f"cmp_stop_{i}", on_click=_stop, args=(vault, viewer, group.id, i))
        body = st.session_state.setdefault(f"_live_body_{gen.id}", live_block_html(gen))
        st.html(body, unsafe_allow_javascript=True)
        return
    if gen.error:
        st.error(md_escape(gen.error), icon=":material/error:")
    if gen.result_text:
        show_text(gen.result_text, f"cmp_answer_{gen.id}")
    if not group.blind or group.pick is not None:
        link_to_generation(gen.id, "Open this generation", icon=":material/link:")


def _stats(group: CompareGroup, gen: Generation) -> str:
    parts = [f"{gen.total_tokens:,} tokens", f"first token {format_ms(gen.ttft_ms)}"]
    if not gen.is_live:
        parts.append(f"total {format_ms(gen.duration_ms)}")
        if not group.blind or group.pick is not None:  # a price can tell a model apart
            parts.append(format_cost(gen.cost_usd, gen.usage_estimated))
    return " · ".join(parts)


def _stop(vault, viewer: Viewer, group_id: str, index: int | None) -> None:
    try:
        if not vault.compare_cancel(group_id, viewer.visible_to, index):
            st.toast("It had already finished.")
    except NotFound:
        st.toast("This comparison is not yours to stop.")


def _pick(vault, viewer: Viewer, group: CompareGroup) -> None:
    if group.pick is not None:
        said = "a tie" if group.pick == TIE else group.panels[group.winner].model
        st.success(md_escape(f"Picked: {said}" + (" (the names were hidden until then)" if group.blind else "")),
                   icon=":material/how_to_vote:")
        return
    # The question and its buttons in one keyed row: they are drawn, kept and removed together (CI
    # once showed the buttons without a separate question above them after the live panels ended).
    row = st.container(horizontal=True, key="cmp_pick", vertical_alignment="center")
    row.markdown("**Which answer is better?**", width="content")
    for i in range(len(group.panels)):
        row.button(md_escape(group.label(i)), key=f"cmp_pick_{i}", on_click=_save_pick,
                   args=(vault, viewer, group.id, str(i)))
    row.button("Tie", key="cmp_pick_tie", on_click=_save_pick, args=(vault, viewer, group.id, TIE))


def _save_pick(vault, viewer: Viewer, group_id: str, pick: str) -> None:
    try:
        vault.compare_pick(group_id, pick, viewer.visible_to, viewer.user_id)
    except Exception as exc:  # noqa: BLE001 - BadRequest / NotFound: said in a toast, never a traceback
        st.toast(md_escape(str(exc)))
