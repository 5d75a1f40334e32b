"""History's filters on marks (`?tag=&starred=1&rating=up&note=1`) and the search of notes.

A generation's tags, note, star and rating live beside it (AnnotationStore), not in the search
index, so a view filtered by marks is listed from the annotations (one SQL query, newest first, at
most MAX_ROWS), then narrowed by History's other filters (`Vault.marked`); a text search also lists the
generations whose note contains the words (a second, separate list under the results).
"""
from __future__ import annotations

import streamlit as st

from genlib import Filters, Marks

from .auth import Viewer
from .nav import HISTORY
from .tables import generation_table, history_frame, shows_users

MAX_ROWS = 500
RATINGS = ("", "up", "down")  # shown as they are: a bound selectbox puts the shown text in the URL


def mark_widgets(vault, viewer: Viewer, on_change) -> Marks:
    bound = dict(bind="query-params", on_change=on_change)
    tag, starred, rating, note = st.columns([3, 1, 2, 1], vertical_alignment="bottom")
    current = st.session_state.get("tag") or st.query_params.get("tag") or ""
    tags = list(dict.fromkeys(["", *([current] if current else []), *vault.tags(viewer.visible_to)]))
    tag.selectbox("Tag", tags, format_func=lambda t: t or "any", key="tag", accept_new_options=True, **bound)
    starred.checkbox("Starred", key="starred", **bound)
    rating.selectbox("Rating", RATINGS, format_func=lambda r: r or "any", key="rating", **bound)
    note.checkbox("Has a note", key="has_note", **bound)
    state = st.session_state
    return Marks(tag=(str(state.get("tag") or "").strip().lower() or None), starred=True if state.get("starred") else None,
                 rating={"up": 1, "down": -1}.get(state.get("rating") or ""),
                 has_note=True if state.get("has_note") else None)


def show_marked(vault, viewer: Viewer, marks: Marks, filters: Filters) -> None:
    """The generations with these marks that also pass History's other filters."""
    found = vault.marked(marks, viewer.visible_to, limit=MAX_ROWS, filters=filters)
    if not found:
        st.info("No generation has these marks (and matches the other filters).", icon=":material/search_off:")
        return
    st.caption(f"{len(found):,} generation{'s' * (len(found) != 1)} with these marks"
               + (f" (the newest {MAX_ROWS:,} marked ones looked at)" if len(found) >= MAX_ROWS else ""))
    frame = history_frame(vault, found, {}, show_user=shows_users(viewer))
    generation_table(frame, [g.id for g in found], "marked_table", HISTORY)


def show_note_matches(vault, viewer: Viewer, q: str) -> None:
    """Generations whose note contains the searched text (notes are not in the search index)."""
    words = q.strip().strip('"')
    found = vault.marked(Marks(note_text=words), viewer.visible_to, limit=50) if words else []
    if found:
        st.subheader("In notes")
        frame = history_frame(vault, found, {}, show_user=shows_users(viewer))
        generation_table(frame, [g.id for g in found], "note_matches_table", HISTORY)
