"""Budgets in the app: the spend line on Generate, and budget use, alerts and the admin form on Costs.

Everything shown comes from the Vault's budget methods (genlib/budgets/); the writes are the admin
form, which changes one limit in the budgets in force (`Vault.set_budget_limit`: the file, or the
database's shared by every replica), and the TOML upload (ui/settingsfiles.py).
"""
from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from functools import partial

import pandas as pd
import streamlit as st

from genlib import (BUDGETS_BLANK, BUDGETS_READ, DAILY, MONTHLY, BadRequest, EditConflict, Filters, StorageUnavailable,
                    format_usd, used_up_message)

from .auth import Viewer
from .nav import COSTS
from .render import md_escape, utcnow
from .settingsfiles import settings_files
from .tables import generation_table, preview
from .vault import user_label

log = logging.getLogger("genvault.ui")
WARN_AT = 0.8
usd = partial(format_usd, cents=True)  # budget amounts: "$5.00", "$0.000612"
_LABELS = {(True, DAILY): "Spent today", (True, MONTHLY): "this month",
           (False, DAILY): "everyone today", (False, MONTHLY): "everyone this month"}
_SETTINGS = {"Daily limit (USD)": "daily_usd", "Monthly limit (USD)": "monthly_usd",
             "Generations per minute": "rate_per_minute"}
_OVERALL, _DEFAULT, _OTHER = "Overall (everyone together)", "Each user (default)", "Another user…"


def budget_notice(vault, viewer: Viewer) -> None:
    """"Spent today $x of $y (z%)" for each budget that applies; a warning from 80%, an error at 100%."""
    config = vault.budget_config()
    if config.broken:
        st.error(md_escape(config.broken), icon=":material/savings:")
        return
    uses = vault.budget_usage(viewer.user_id)
    if not uses:
        return
    parts = [f"{_LABELS[(u.user_id is not None, u.period)]} {usd(u.used)} of {usd(u.limit)} ({u.fraction:.0%})"
             for u in uses]
    line = " · ".join(parts)
    st.caption(md_escape(line[:1].upper() + line[1:]), help="Including the worst case of generations still "
               "running, against the budgets file's limits (UTC days and months).")
    for use in uses:
        if use.fraction >= 1:
            st.error(md_escape(used_up_message(use)), icon=":material/savings:")
        elif use.fraction >= WARN_AT:
            st.warning(md_escape(f"{use.fraction:.0%} of {use.name()} is used ({usd(use.used)} of "
                                 f"{usd(use.limit)}); it resets {use.reset_phrase()}."), icon=":material/savings:")


def show_budgets(vault, viewer: Viewer, filters: Filters) -> None:
    """The Costs page's budget section; nothing for non-admins when no budgets are configured."""
    config, problem = vault.budget_config(), vault.budgets_file.problem
    if config.empty and not problem:
        if viewer.is_admin:
            st.subheader("Budgets")
            st.caption(_no_limits_reason(vault.budgets_file))
            _admin_form(vault, viewer, config)
            settings_files(vault, viewer)
        return
    st.subheader("Budgets")
    if problem and viewer.is_admin:
        kept = "" if config.broken else " The last valid version stays in force."
        st.error(md_escape(problem + kept), icon=":material/savings:")
    _use_table(vault.budget_table(viewer.visible_to))
    if config.alert_multiple is not None:
        _alerts(vault, viewer, filters, config)
    if viewer.is_admin:
        _admin_form(vault, viewer, config)
        settings_files(vault, viewer)


def _no_limits_reason(file) -> str:
    """Why nothing is limited: no file, a blank file (read as no file) or a file that sets no limit."""
    if file.path is None:  # kept in the database
        where = md_escape(f"the {file.where}")
        if file.state == BUDGETS_BLANK:
            return f"No budgets are set: the budgets in {where} are blank. Set a limit here or upload a budgets file."
        if file.state == BUDGETS_READ:
            return f"No budgets are set: the budgets in {where} set no limits. Set one here or upload a budgets file."
        return (f"No budgets are set: none are saved in {where}. Set a limit here, upload a budgets file "
                "below, or run `python -m genlib budgets import FILE`.")
    where = f"`{str(file.path).replace('`', '')}`"  # a code span shows backslash escapes as written
    if file.state == BUDGETS_BLANK:
        return (f"No budgets are set: the budgets file {where} is blank (only comments or empty lines), "
                "which counts as no file. Add limits to it or set one here.")
    if file.state == BUDGETS_READ:
        return f"No budgets are set: the budgets file {where} sets no limits. Add one to it or set one here."
    return (f"No budgets are set: there is no budgets file. Create {where} (see `budgets.example.toml`) "
            "or set a limit here.")


NO_LIMIT = "no limit"


def _use_table(rows) -> None:
    def pct(spent, limit):
        return None if limit is None else (1.0 if limit <= 0 else float(spent / limit))

    def limit(value):
        return NO_LIMIT if value is None else usd(value)

    def rate(row):  # a per-user limit: the overall row has none of its own
        if row.user_id is None:
            return "—"
        return NO_LIMIT if row.rate_per_minute is None else f"{row.rate_per_minute:,} / min"
    frame = pd.DataFrame([{
        "Who": "Overall" if r.user_id is None else user_label(r.user_id),
        "Today": usd(r.today_usd), "Daily budget": limit(r.daily_usd), "Used today": pct(r.today_usd, r.daily_usd),
        "This month": usd(r.month_usd), "Monthly budget": limit(r.monthly_usd),
        "Used this month": pct(r.month_usd, r.monthly_usd),
        "Projected": usd(r.projected_usd), "Rate limit": rate(r)} for r in rows])
    progress = {name: st.column_config.ProgressColumn(name, format="percent", min_value=0.0, max_value=1.0)
                for name in ("Used today", "Used this month")}
    progress["Rate limit"] = st.column_config.TextColumn("Rate limit", help="Generations a user may start per minute")
    # A share of no limit is missing: it reads "no limit" like the budget beside it, not a blank cell.
    st.dataframe(frame, hide_index=True, width="stretch", column_config=progress, key="budget_table",
                 placeholder=NO_LIMIT)
    st.caption("Spend includes the worst case of generations still running. The projection carries "
               "this month's pace to its last day (UTC). Rate limits apply to each user.")


def _alerts(vault, viewer: Viewer, filters: Filters, config) -> None:
    today = utcnow().date()
    since = datetime.combine(filters.date_from or today - timedelta(days=29), time.min)
    until = datetime.combine(filters.date_to or today, time.min) + timedelta(days=1)
    st.subheader("Spend alerts")
    alerts = vault.spend_alerts(since, until, viewer.visible_to)
    if not alerts:
        st.caption(md_escape(f"No hour in this range went over {config.alert_multiple}× a user's usual "
                             f"hourly spend (and {usd(config.alert_min_usd)})."))
    for i, alert in enumerate(reversed(alerts)):  # newest first
        usual = (f"{alert.ratio:.1f}× their usual {usd(alert.usual_usd)} per active hour" if alert.ratio
                 else "with no spend in the 14 days before")
        st.warning(f"**{md_escape(user_label(alert.user_id))}** " + md_escape(f"spent {usd(alert.spent_usd)} in the hour "
                   f"from {alert.hour:%Y-%m-%d %H:00} UTC, {usual}."), icon=":material/trending_up:")
        gens = alert.generations
        frame = pd.DataFrame({"Cost": [usd(c) for c in gens["cost_usd"].fillna(0)], "Model": gens["model"],
                              "Kind": gens["kind"], "Prompt": [preview(p) for p in gens["prompt"]],
                              "Id": list(gens["id"])})
        generation_table(frame, list(gens["id"]), f"alert_table_{i}", COSTS)


def _admin_form(vault, viewer: Viewer, config) -> None:
    slot = st.container()  # always drawn: a message coming and going must not re-mount (fold) the expanders
    if (saved := st.session_state.pop("budget_saved", None)) is not None:
        slot.success(saved, icon=":material/check:")
    # The version of the budgets this page showed: a save from it is refused if someone saved since.
    shown = st.session_state.get("budget_form_version")
    st.session_state["budget_form_version"] = vault.budgets_file.document.version if vault.budgets_file.document else ""
    with st.expander("Set a limit (admins)"), st.form("budget_form", border=False):
        who = st.selectbox("Who", [_OVERALL, _DEFAULT, *sorted(config.users), _OTHER], key="budget_who")
        other = st.text_input("User id, for another user", key="budget_user", placeholder="ana@example.com")
        setting = st.selectbox("Limit", list(_SETTINGS), key="budget_setting")
        value = st.text_input("New value", key="budget_value", placeholder="e.g. 25")
        st.caption(_writes(vault.budgets_file))
        submitted = st.form_submit_button("Save limit")
    if submitted and viewer.is_admin:
        _save(vault, viewer, who, other, _SETTINGS[setting], value, shown)


def _writes(file) -> str:
    if file.path is None:
        return (md_escape(f"Saves the {file.where}: it applies on every replica within seconds.") +
                " Two admins saving at once can't overwrite each other: the later one is asked to look again.")
    return f"Writes `{file.path}`; editing that file by hand works too. It applies at once."


def _save(vault, viewer: Viewer, who: str, other: str, key: str, value: str, shown: str | None) -> None:
    user = None if who == _OVERALL else "*" if who == _DEFAULT else other if who == _OTHER else who
    try:
        vault.set_budget_limit(user, key, value, expected_version=shown, by=viewer.label or viewer.user_id)
    except (BadRequest, EditConflict) as exc:
        st.error(md_escape(str(exc)), icon=":material/edit_note:")
        return
    except (OSError, StorageUnavailable) as exc:
        st.error(md_escape(f"Could not save the {vault.budgets_file.where}: {getattr(exc, 'strerror', None) or exc}"),
                 icon=":material/database:")
        return
    target = "the overall budget" if user is None else "each user" if user == "*" else user.strip().lower()
    log.info("budget changed: %s %s = %s", target, key, value)
    st.session_state["budget_saved"] = md_escape(f"Saved: {key} = {value.strip()} for {target}.")
    st.rerun()
