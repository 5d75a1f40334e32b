"""Costs by tag on the Costs page: what each tag's generations cost in the range (issue 14).

A generation with several tags counts under each, so the rows may add up to more than the total
(the caption says so). Only the viewer's own generations, or everyone's for an admin.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

import streamlit as st

from genlib import Filters

from .auth import Viewer
from .render import format_cost


def show_cost_by_tag(vault, viewer: Viewer, filters: Filters) -> None:
    since = datetime.combine(filters.date_from, time()) if filters.date_from else None
    until = datetime.combine(filters.date_to, time()) + timedelta(days=1) if filters.date_to else None
    frame = vault.cost_by_tag(viewer.visible_to, since, until)
    if frame.empty:
        return
    st.subheader("By tag")
    shown = frame.assign(cost=[format_cost(c) for c in frame["cost_usd"]])
    st.dataframe(shown[["tag", "generations", "cost"]].rename(
        columns={"tag": "Tag", "generations": "Generations", "cost": "Cost"}), hide_index=True, key="cost_by_tag")
    st.caption("A generation with several tags counts under each of them.")
