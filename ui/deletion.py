"""Deleting a generation from its page (issue 14): Delete, then a confirmation, then the tombstone.

Only the owner (or an admin) ever sees the page, and `Vault.delete` checks again with the viewer's
`visible_to`. The tombstone page says who deleted it and when; the cost stays in the books.
"""
from __future__ import annotations

import streamlit as st

from genlib import GenlibError

from .auth import Viewer
from .nav import GENERATE, HISTORY
from .render import md_escape

CONFIRMING = "_confirm_delete"  # session key: the id whose deletion awaits confirmation
FAILED = "_delete_failed"


def delete_button(container, gen_id: str) -> None:
    container.button("Delete", key="delete_generation", icon=":material/delete:", on_click=_ask, args=(gen_id,),
                     help="Delete this generation's prompt, answer and pictures (its cost stays in the books)")


def confirm_delete(vault, viewer: Viewer, gen_id: str) -> None:
    """The confirmation box, while the viewer is deciding; the failure of a last attempt, once."""
    problem = st.session_state.pop(FAILED, None)
    if problem:
        st.error(problem)
    if st.session_state.get(CONFIRMING) != gen_id:
        return
    with st.container(border=True, key="delete_confirmation"):
        st.warning("Delete this generation for good? Its prompt, answer and pictures are removed; "
                   "its cost stays in the Costs totals and budgets. This can't be undone.")
        row = st.container(horizontal=True)
        row.button("Delete for good", key="confirm_delete", type="primary", on_click=_delete,
                   args=(vault, viewer, gen_id))
        row.button("Cancel", key="cancel_delete", on_click=_cancel)


def show_tombstone(vault, tomb) -> None:
    st.set_page_config(page_title="Deleted generation")
    st.title("Generation deleted")
    st.info(md_escape(vault.deleted_sentence(tomb)), icon=":material/delete:")  # names a user: escaped
    st.caption(f"Created {tomb.created_utc:%Y-%m-%d %H:%M} UTC. Its cost stays in the Costs totals and budgets.")
    st.page_link(GENERATE, label="New generation", icon=":material/auto_awesome:")
    st.page_link(HISTORY, label="Back to history", icon=":material/history:")


def _ask(gen_id: str) -> None:
    st.session_state[CONFIRMING] = gen_id


def _cancel() -> None:
    st.session_state.pop(CONFIRMING, None)


def _delete(vault, viewer: Viewer, gen_id: str) -> None:
    st.session_state.pop(CONFIRMING, None)
    try:
        vault.delete(gen_id, viewer.visible_to, by=viewer.user_id)
    except GenlibError as exc:  # not found (someone else's), still running, storage down
        st.session_state[FAILED] = f"Not deleted: {exc}"
