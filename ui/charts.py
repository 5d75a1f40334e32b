"""Altair charts for the Costs page, themed by Streamlit so they read in light and dark mode.

Each takes one CostReport frame as it comes from genlib (day, model, cost_usd, ...); dollar axes
use a trimmed format so sub-cent costs stay visible ($0.000123, not $0.00).
"""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

USD = "$,.6~f"


def _show(chart: alt.Chart, empty: pd.DataFrame | None = None, message: str = "Nothing to show yet.") -> None:
    if empty is not None and empty.empty:
        st.caption(message)
        return
    st.altair_chart(chart, width="stretch")


def cost_per_day_by_model(frame: pd.DataFrame) -> None:
    chart = alt.Chart(frame).mark_bar().encode(
        x=alt.X("day:T", title="Day (UTC)"),
        y=alt.Y("sum(cost_usd):Q", title="Cost (USD)", axis=alt.Axis(format=USD)),
        color=alt.Color("model:N", title="Model"),
        tooltip=[alt.Tooltip("day:T", title="Day"), "model:N",
                 alt.Tooltip("cost_usd:Q", title="Cost", format=USD), "generations:Q"])
    _show(chart, frame)


def cost_by(frame: pd.DataFrame, field: str, title: str) -> None:
    """Horizontal bars, biggest first (by user or by model)."""
    chart = alt.Chart(frame).mark_bar().encode(
        y=alt.Y(f"{field}:N", title=title, sort="-x"),
        x=alt.X("cost_usd:Q", title="Cost (USD)", axis=alt.Axis(format=USD)),
        tooltip=[f"{field}:N", alt.Tooltip("cost_usd:Q", title="Cost", format=USD),
                 "generations:Q", alt.Tooltip("tokens:Q", format=",")])
    _show(chart, frame)


def tokens_per_day(frame: pd.DataFrame) -> None:
    long = frame.melt(id_vars="day", var_name="bucket", value_name="tokens")
    long = long[long["tokens"] > 0]
    chart = alt.Chart(long).mark_bar().encode(
        x=alt.X("day:T", title="Day (UTC)"),
        y=alt.Y("sum(tokens):Q", title="Tokens", axis=alt.Axis(format="~s")),
        color=alt.Color("bucket:N", title="Bucket"),
        tooltip=[alt.Tooltip("day:T", title="Day"), "bucket:N", alt.Tooltip("tokens:Q", format=",")])
    _show(chart, long, "No tokens in this range: only failed calls or cache hits, which use none.")


def savings_per_day(frame: pd.DataFrame) -> None:
    chart = alt.Chart(frame).mark_bar().encode(
        x=alt.X("day:T", title="Day (UTC)"),
        y=alt.Y("saved_usd:Q", title="Saved (USD)", axis=alt.Axis(format=USD)),
        tooltip=[alt.Tooltip("day:T", title="Day"), alt.Tooltip("hits:Q", title="Cache hits"),
                 alt.Tooltip("saved_usd:Q", title="Saved", format=USD)])
    _show(chart, frame, "No dedup cache hits in this range.")
