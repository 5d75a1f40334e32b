"""The Costs page: totals, charts and the ten most expensive generations for a date range in the URL.

`/costs?from=YYYY-MM-DD&to=YYYY-MM-DD` (both UTC days, inclusive; default the last 30 days). Unpriced
generations are counted apart, never as $0, and the page says which models need a price and where.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from genlib import Filters

from . import charts, daterange
from .auth import Viewer
from .budgets import show_budgets
from .backnav import restore_view
from .nav import COSTS, GENERATE
from .render import DATE_RANGE, format_cost, is_estimated, md_escape, url_problems, utcnow
from .tagcosts import show_cost_by_tag
from .tables import generation_table, preview, shows_users, usage_source
from .vault import user_label

DEFAULT_DAYS = 30


def show_costs(vault, viewer: Viewer) -> None:
    restore_view(COSTS)  # Back from a generation opened here: the same range again
    st.title("Costs")
    filters, problems = _range_widgets(viewer)
    for problem in problems:
        st.warning(md_escape(problem), icon=":material/date_range:")  # quotes the URL
    report = vault.costs(filters)
    totals = report.totals
    _metrics(totals)
    if not int(totals.get("generations") or 0):
        st.info("No generations in this date range.", icon=":material/inbox:")
        st.page_link(GENERATE, label="Make a generation", icon=":material/auto_awesome:")
    else:
        _unpriced(vault, report)
        _charts(report, viewer)
        _top(report.top, viewer)
        show_cost_by_tag(vault, viewer, filters)
    show_budgets(vault, viewer, filters)


def _charts(report, viewer: Viewer) -> None:
    st.subheader("Cost per day, by model")
    if not _spent(report.by_model):  # a chart of $0 bars is an empty box with a bare $0 axis
        st.info(NO_SPEND, icon=":material/money_off:")
    else:
        charts.cost_per_day_by_model(report.by_day_model)
        by_user, by_model = st.columns(2) if shows_users(viewer) else (None, st.container())
        if by_user is not None:  # one user's own costs by user would be the total again
            with by_user:
                st.subheader("By user")
                frame = report.by_user
                charts.cost_by(frame.assign(user_id=[user_label(u) for u in frame["user_id"]]), "user_id", "User")
        with by_model:
            st.subheader("By model")
            charts.cost_by(report.by_model, "model", "Model")
    st.subheader("Tokens per day")
    charts.tokens_per_day(report.tokens_by_day)
    estimated = int(report.totals.get("estimated_tokens") or 0)
    if estimated:
        st.caption(f"Includes {estimated:,} estimated tokens: counted locally for streams whose provider "
                   "reported no usage (local servers), or that were stopped or cut off.")
    st.subheader("Savings from the dedup cache")
    _savings(report)


NO_SPEND = ("Nothing was spent in this range: every generation here cost $0 (the offline demo model, "
            "cache hits, or calls that failed before anything was billed).")


def _spent(frame: pd.DataFrame) -> bool:
    return bool(len(frame)) and float(frame["cost_usd"].fillna(0).sum()) > 0


def _savings(report) -> None:
    """The savings chart, or in words when there is nothing to chart (no hits, or hits that saved $0)."""
    hits, saved = int(report.totals.get("cache_hits") or 0), report.totals.get("saved_usd") or 0
    if not hits:
        st.caption("No dedup cache hits in this range: every request here went to the provider.")
        return
    what = f"{hits:,} {_plural(hits, 'cache hit')} (identical requests answered from an earlier generation, " \
           "with no provider call)"
    if saved > 0:
        charts.savings_per_day(report.savings_by_day)
        st.caption(f"{what} saved {format_cost(saved)}.")
    else:
        st.caption(f"{what}; they saved $0, because the generations they reused cost nothing (or have no price).")


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def _range_widgets(viewer: Viewer) -> tuple[Filters, list[str]]:
    raw = st.query_params.to_dict()
    problems = url_problems(raw)
    if daterange.before_pickers(COSTS, raw):
        problems.append(daterange.SWAPPED_NOTE)
    else:
        problems += [p for p in Filters.from_query({k: raw.get(k) for k in ("from", "to")})[1]
                     if "inverted" not in p]  # a reversed range is swapped in the pickers (daterange.py)
    today = utcnow().date()
    left, right, _ = st.columns([1, 1, 2])
    swap = dict(on_change=daterange.swap_if_reversed, args=(COSTS,))
    start = left.date_input("From", value=today - timedelta(days=DEFAULT_DAYS - 1), key="from",
                            bind="query-params", **swap, **DATE_RANGE)
    end = right.date_input("To", value=today, key="to", bind="query-params", **swap, **DATE_RANGE)
    daterange.after_pickers(COSTS, start, end)
    filters, more = Filters.from_query({"from": _iso(start), "to": _iso(end)})
    st.caption("Whole UTC days, both ends included.")
    return replace(filters, visible_to=viewer.visible_to), list(dict.fromkeys(problems + more))


def _iso(value) -> str:
    return value.isoformat() if isinstance(value, date) else ""


def total_cost(totals: dict) -> str:
    """The Total metric: "unpriced" only when generations need a price and none has one. Failed
    calls that billed nothing, and cache hits, have no cost to add: with only those the total is $0."""
    cost, unpriced = totals.get("cost_usd"), int(totals.get("unpriced") or 0)
    if cost is None and not unpriced:
        return "$0"
    return format_cost(cost)


def _metrics(totals: dict) -> None:
    # A wrapping row of content-wide metrics: five equal columns cut full-precision costs to "$0.0110…".
    row = st.container(horizontal=True, gap="large")
    n = int(totals.get("generations") or 0)
    row.metric("Total cost", total_cost(totals), width="content",
               help="Sum of priced generations; unpriced ones are counted separately.")
    row.metric("Generations", f"{n:,}", width="content")
    tokens_total, estimated = int(totals.get("tokens") or 0), int(totals.get("estimated_tokens") or 0)
    row.metric("Tokens (includes estimated)" if estimated else "Tokens", f"{tokens_total:,}", width="content",
               help=f"{estimated:,} of them estimated: the provider reported no usage" if estimated else None)
    hits = int(totals.get("cache_hits") or 0)
    row.metric("Saved by dedup", format_cost(totals.get("saved_usd") or 0), width="content",
               help=f"{hits:,} {_plural(hits, 'cache hit')}: what the generations they reused cost")
    unpriced = int(totals.get("unpriced") or 0)
    share = unpriced / n if n else 0.0
    row.metric("Unpriced", f"{share:.0%}" if not unpriced or share >= 0.01 else "<1%", width="content",
               help=f"{unpriced:,} {_plural(unpriced, 'generation')} with tokens but no price")


def _unpriced(vault, report) -> None:
    frame = report.by_model
    missing = frame[frame["unpriced"] > 0] if "unpriced" in frame else frame.iloc[0:0]
    if missing.empty:
        return
    models = ", ".join(f"**{md_escape(m)}** ({int(n):,})" for m, n in zip(missing["model"], missing["unpriced"]))
    doc = vault.prices_document
    where = (f"`{str(doc.path).replace('`', '')}`" if doc.path is not None else  # a code span shows it as typed
             md_escape(f"the {doc.where}") + " (an admin uploads a prices file under Budgets, or runs "
             "`python -m genlib prices import FILE`)")
    st.warning(f"Some generations have no price and are not in the total: {models}. Add these models to "
               f"{where} (see `prices.example.toml`), then run "
               "`python -m genlib reprice --apply`.", icon=":material/price_change:")


def _top(top: pd.DataFrame, viewer: Viewer) -> None:
    st.subheader("Most expensive generations")
    top = top[top["cost_usd"].fillna(0) > 0]  # a list of $0 rows ranks nothing
    if top.empty:
        st.caption("No generation in this range cost more than $0.")
        return
    frame = pd.DataFrame({
        "Cost": [format_cost(c, is_estimated(e)) for c, e in zip(top["cost_usd"], top["usage_estimated"])],
        "Model": top["model"], "User": [user_label(u) for u in top["user_id"]], "Kind": top["kind"],
        "Tokens": top["tokens"],
        "Usage": [usage_source(t, e) for t, e in zip(top["tokens"], top["usage_estimated"])],
        "Prompt": [preview(p) for p in top["prompt"]],
        "Id": list(top["id"])})
    if not shows_users(viewer):  # every row is the viewer's own
        frame = frame.drop(columns="User")
    generation_table(frame, list(top["id"]), "top_table", COSTS)
