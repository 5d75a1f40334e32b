"""The Compare page's leaderboard (wins, losses, ties and Elo per model, from the picks) and the
list of recent comparison groups, each linking to `/compare?id=`.

A user ranks only their own picks; an admin ranks everyone's or one user's (by user id). The date
range counts groups by when they were created (UTC days).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pandas as pd
import streamlit as st

from genlib import utcnow

from .auth import Viewer
from .render import DATE_RANGE, format_time, md_escape

DEFAULT_DAYS = 30
RECENT = 20


def show_leaderboard(vault, viewer: Viewer) -> None:
    st.subheader("Leaderboard", anchor=False)
    left, right, who = st.columns(3)
    today = utcnow().date()
    start = left.date_input("From (created)", value=today - timedelta(days=DEFAULT_DAYS - 1), key="cmp_from",
                            **DATE_RANGE)
    end = right.date_input("To", value=today, key="cmp_to", **DATE_RANGE)
    user = viewer.user_id
    if viewer.visible_to is None:  # an admin: everyone's picks, or one user's
        user = who.text_input("User (empty: everyone)", key="cmp_user").strip() or None
    since, until = _bounds(start, end)
    board = vault.compare_leaderboard(user, since, until)
    if not board:
        st.caption("No picks in this range yet: run a comparison and pick the better answer.")
        return
    frame = pd.DataFrame([{"Model": s.model, "Rating (Elo)": round(s.rating), "Wins": s.wins, "Losses": s.losses,
                           "Ties": s.ties, "Games": s.games} for s in board])
    st.dataframe(frame, hide_index=True, key="cmp_board")


def _bounds(start, end) -> tuple[datetime | None, datetime | None]:
    """Whole UTC days [start, end]; a reversed range is swapped."""
    if not isinstance(start, date) or not isinstance(end, date):
        return None, None
    start, end = min(start, end), max(start, end)
    return datetime.combine(start, time()), datetime.combine(end + timedelta(days=1), time())


def show_recent(vault, viewer: Viewer) -> None:
    groups = vault.compare_recent(viewer.visible_to, limit=RECENT)
    if not groups:
        return
    st.subheader("Recent comparisons", anchor=False)
    frame = pd.DataFrame([{"Open": f"compare?id={g.id}", "Created": format_time(g.created_utc),
                           "Prompt": " ".join(g.prompt[:80].split()), "Models": _models(g),
                           "Pick": "—" if g.pick is None else ("tie" if g.pick == "tie" else g.panels[g.winner].model)}
                          for g in groups])
    st.dataframe(frame, hide_index=True, key="cmp_recent",
                 column_config={"Open": st.column_config.LinkColumn("Open", display_text="Open")})


def _models(group) -> str:
    if group.blind and group.pick is None:
        return f"{len(group.panels)} hidden (blind)"
    return ", ".join(p.model for p in group.panels)
