"""Tables of generations (History, Costs' top ten, spend alerts): a click on a row opens it.

The grid selects single cells: a click on any cell but the Id opens that generation in this tab
(`ui/backnav.py` keeps the way back); a click on the Id only selects it, so Ctrl+C copies it. Record
text reaches the grid as plain cell values (drawn on a canvas, never parsed as HTML or Markdown).
"""
from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from genlib import Generation

from .backnav import open_from
from .attachments import attachment_preview
from .images import thumbnail_uri
from .render import format_cost, format_time, is_estimated

PREVIEW_CHARS = 80
ID_HELP = "Click to select it, then Ctrl+C (⌘C) to copy. A click anywhere else on the row opens it."
TOOLBAR_ROOM = 28  # px: the toolbar is 44 px tall, the gap between elements 16 px
TOKENS_HELP = "est. = counted locally: the provider reported no usage"
# Pixel widths that fit History's columns beside the sidebar at 1400 px (938 px of grid); a wider
# screen stretches them. Without a width the Prompt would size to its longest text and push the Id off.
WIDTHS = {"Prompt": 168, "Match": 168, "Time": 150, "User": 140, "Model": 110, "Kind": 48, "Status": 84,
          "Tokens": 84, "Usage": 76, "Cost": 96, "Image": 48, "Id": 192}
MATCH_HELP = "The passage that matched, from the prompt (else the answer), matched words between « »"


def shows_users(viewer) -> bool:
    """A User column (and filter, chart) only for an admin of a signed-in team: in single-user mode
    every row is the one local user's, and other users only ever see their own."""
    return viewer.is_admin and viewer.signed_in


def preview(text: str | None, limit: int = PREVIEW_CHARS) -> str:
    flat = " ".join(str(text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def marked(segments: list[tuple[str, bool]]) -> str:
    """A snippet for a grid cell (plain text): matched words between « »."""
    return "".join(f"«{text}»" if hit else text for text, hit in segments)


def short_time(value) -> str:
    """format_time without the seconds: "2026-11-30 16:36 UTC" (the grid has no room for them)."""
    return re.sub(r"(\d\d:\d\d):\d\d", r"\1", format_time(value))


def history_frame(vault, items: list[Generation], snippets: dict | None = None,
                  show_user: bool = False) -> pd.DataFrame:
    rows = [{
        "Time": short_time(g.created_utc), "User": vault.user_label(g.user_id),
        "Model": g.model_used or g.model_requested, "Status": g.status,
        "Tokens": token_text(g.total_tokens, g.usage_estimated),
        "Cost": format_cost(g.cost_usd, g.usage_estimated) + (" (cache)" if g.cached_from else ""),
        "Prompt": preview(g.prompt), "Image": thumbnail_uri(vault, g) if g.images else attachment_preview(vault, g),
        "Id": g.id, "Match": marked((snippets or {}).get(g.id, [])) or preview(g.prompt),
    } for g in items]
    # No Kind column (a thumbnail says it) and the usage source beside the count: the Id must fit.
    columns = ["Time", "User", "Prompt", "Image", "Model", "Status", "Tokens", "Cost", "Id"]
    if not show_user:  # single-user mode, or a user who only ever sees their own rows
        columns.remove("User")
    if snippets:  # a search: why each row matched, in the prompt's place (both would push the Id off)
        columns[columns.index("Prompt")] = "Match"
    return pd.DataFrame(rows, columns=columns)


def token_text(tokens, estimated) -> str:
    """History's Tokens cell: "1,234", "1,234 est." when counted locally, "" when there are none."""
    if not tokens:
        return ""
    return f"{int(tokens):,}" + (" est." if is_estimated(estimated) else "")


def usage_source(tokens, estimated) -> str:
    """Beside a token count: "estimated" when counted locally (no usage from the provider)."""
    if not tokens:
        return ""
    return "estimated" if is_estimated(estimated) else "reported"


def generation_table(frame: pd.DataFrame, ids: list[str], key: str, page: str) -> None:
    """The grid of `frame` (one row per id, an "Id" column); a click on a row opens it from `page`."""
    config = {name: st.column_config.Column(name, width=width) for name, width in WIDTHS.items()}
    config.update({
        "Id": st.column_config.TextColumn("Id", width=WIDTHS["Id"], help=ID_HELP),
        "Image": st.column_config.ImageColumn("Image", width=WIDTHS["Image"]),
        "Match": st.column_config.TextColumn("Match", width=WIDTHS["Match"], help=MATCH_HELP),
        "Tokens": (st.column_config.NumberColumn("Tokens", format="%d", width=WIDTHS["Tokens"])
                   if pd.api.types.is_numeric_dtype(frame.get("Tokens", pd.Series(dtype=int))) else
                   st.column_config.TextColumn("Tokens", width=WIDTHS["Tokens"], help=TOKENS_HELP,
                                               alignment="right")),
    })
    config = {name: column for name, column in config.items() if name in frame.columns}
    # Room for the grid's toolbar (search, download, full screen), which floats above its top edge:
    # without it the toolbar covers the heading above (on a phone, where it shows on every touch).
    st.space(TOOLBAR_ROOM)
    # No placeholder text for missing values: a text row has no image, a zero-token row no tokens.
    event = st.dataframe(frame, hide_index=True, width="stretch", column_config=config, key=key,
                         on_select="rerun", selection_mode="single-cell", placeholder="")
    cells = event.selection.cells if event is not None else []
    if cells and cells[0][1] != "Id" and 0 <= cells[0][0] < len(ids):
        open_from(page, ids[cells[0][0]])
