"""Shared rendering: status badges, exact cost strings, times, the metadata table.

Costs are shown to full precision ($0.000123, trailing zeros trimmed, never rounded to cents) or
"unpriced". Text from records is shown through ui/safe_markdown.py (`md_escape` is re-exported
here for the pages that import it from this module).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from genlib import CANCELLED, COMPLETE, ERROR, IMAGE, INTERRUPTED, PENDING, STREAMING, Generation, format_usd
from genlib import utcnow  # noqa: F401 - re-exported: the pages take the clock from here

from .safe_markdown import md_escape  # noqa: F401 - re-exported

format_cost = format_usd  # "$0.000123" (exact), "unpriced", "(estimated)" (genlib/money.py)
from .vault import user_label

BADGE_COLORS = {PENDING: "gray", STREAMING: "blue", COMPLETE: "green", ERROR: "red",
                CANCELLED: "orange", INTERRUPTED: "violet"}
BADGE_ICONS = {PENDING: ":material/schedule:", STREAMING: ":material/stream:",
               COMPLETE: ":material/check_circle:", ERROR: ":material/error:",
               CANCELLED: ":material/stop_circle:", INTERRUPTED: ":material/power_off:"}
# Date pickers accept +-10 years by default; bookmarked ranges may be older or further out.
DATE_RANGE = {"min_value": date(2000, 1, 1), "max_value": date(2099, 12, 31)}


def url_problems(raw: dict, max_page: int | None = None) -> list[str]:
    """What URL-bound widgets would drop silently from a hand-edited URL: a date outside
    DATE_RANGE, a page number that isn't one. (Malformed dates are Filters.from_query's to report.)"""
    problems = []
    for name in ("from", "to"):
        try:
            day = date.fromisoformat(str(raw.get(name) or "")[:10])
        except ValueError:
            continue
        if not DATE_RANGE["min_value"] <= day <= DATE_RANGE["max_value"]:
            problems.append(f"'{day}' is outside {DATE_RANGE['min_value']} to {DATE_RANGE['max_value']}; ignored.")
    page = str(raw.get("page", "1"))
    if max_page is not None and not (page.isdigit() and 1 <= int(page) <= max_page):
        problems.append(f"Page '{page[:20]}' is not a page number from 1 to {max_page:,}; showing page 1.")
    return problems


def format_ms(ms: float | None) -> str:
    if ms is None:
        return "—"
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.2f} s"


def format_time(value: datetime | None) -> str:
    """A stored naive-UTC time in the browser's time zone when known, else UTC."""
    if value is None or pd.isna(value):
        return "—"
    aware = pd.Timestamp(value).to_pydatetime().replace(tzinfo=timezone.utc)
    try:
        zone = ZoneInfo(st.context.timezone) if st.context.timezone else None
    except Exception:  # noqa: BLE001 - unknown zone names fall back to UTC
        zone = None
    shown = aware.astimezone(zone) if zone else aware
    return shown.strftime("%Y-%m-%d %H:%M:%S ") + (shown.tzname() or "UTC")


def ago(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        if seconds >= size or unit == "second":
            n = seconds // size
            return f"{n} {unit}{'' if n == 1 else 's'}"
    return "0 seconds"


def status_badge(status: str) -> None:
    st.badge(status, icon=BADGE_ICONS.get(status), color=BADGE_COLORS.get(status, "gray"))


ESTIMATED = " (estimated)"  # after a token count the provider never reported (counted locally)


def is_estimated(flag) -> bool:
    """A usage_estimated flag as read back: bool, numpy bool, or NULL (None, NaN, pd.NA) for "no"."""
    return bool(pd.notna(flag) and flag)


def estimated_mark(flag) -> str:
    return ESTIMATED if is_estimated(flag) else ""


def token_line(gen: Generation) -> str:
    b = gen.buckets
    parts = [f"{name} {value:,}" for name, value in (
        ("input", b.input_tokens), ("cache read", b.cache_read_tokens), ("cache write", b.cache_write_tokens),
        ("output", b.output_tokens), ("reasoning", b.reasoning_tokens), ("image", b.image_tokens)) if value]
    return f"{b.total:,} ({', '.join(parts)})" if parts else f"{b.total:,}"


def metadata_frame(gen: Generation) -> pd.DataFrame:
    """Field/value rows for the generation page (all strings, so nothing is reformatted)."""
    rows = [
        ("Id", gen.id), ("Status", gen.status), ("Kind", gen.kind),
        ("Model asked", gen.model_requested), ("Model used", gen.model_used or "—"),
        ("Provider", gen.provider or "—"), ("User", user_label(gen.user_id)),
        ("Created", format_time(gen.created_utc)), ("Finished", format_time(gen.finished_utc)),
        *([("Time to first token", format_ms(gen.ttft_ms))] if gen.kind != IMAGE else []),
        ("Duration", format_ms(gen.duration_ms)),
        ("Tokens", token_line(gen) + estimated_mark(gen.usage_estimated)),
        ("Ended because", gen.finish_reason or "—"),
        ("Cost", format_cost(gen.cost_usd, gen.usage_estimated)),
        ("Price source", gen.price_source or "—"),
        ("Parameters", format_params(gen.params)),
    ]
    if gen.cost_saved_usd is not None:
        rows.append(("Saved by dedup", format_cost(gen.cost_saved_usd)))
    rows += [(f"Attached image {i + 1}", f"{a.get('mime', '?')} {a.get('width', '?')}×{a.get('height', '?')}, "
              f"sha256 {a.get('sha256', '?')}") for i, a in enumerate(gen.attachments)]
    return pd.DataFrame(rows, columns=["Field", "Value"])


def format_params(params: dict) -> str:
    """"max_tokens=200, temperature=0.7", or "default parameters" when none were set."""
    return ", ".join(f"{k}={v}" for k, v in sorted(params.items())) or "default parameters"


def offline_banner(vault) -> None:
    if vault.settings.offline:
        st.info("Running on the **offline demo model**: answers are made up locally and cost nothing. "
                "Set `OPENAI_API_KEY` (or `OPENAI_BASE_URL` for a compatible server such as Ollama "
                "or vLLM) and restart the app to use a real model.", icon=":material/cloud_off:")
