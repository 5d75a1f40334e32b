"""Tables of generations (History, Costs' top ten): the id is a link, a click on a row opens it.

A row click opens the generation in the same tab (dataframe selection, then `switch_page`); the Id
column is a link (opens a new tab); `row_links` adds plain same-tab links that browser tests and
keyboard users can follow without the grid.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from genlib import Generation

from .images import thumbnail_uri
from .nav import generation_href, link_to_generation, open_generation
from .render import format_cost, format_time, is_estimated, md_escape

PREVIEW_CHARS = 80


def preview(text: str | None, limit: int = PREVIEW_CHARS) -> str:
    flat = " ".join(str(text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def marked(segments: list[tuple[str, bool]]) -> str:
    """A snippet for a grid cell (plain text): matched words between « »."""
    return "".join(f"«{text}»" if hit else text for text, hit in segments)


def highlighted(segments: list[tuple[str, bool]]) -> str:
    """A snippet as Markdown: the record's text escaped, only the matched words bold."""
    return "".join(f"**{md_escape(text.strip())}**" if hit and text.strip() else md_escape(text)
                   for text, hit in segments)


def history_frame(vault, items: list[Generation], snippets: dict | None = None) -> pd.DataFrame:
    rows = [{
        "Time": format_time(g.created_utc), "User": vault.user_label(g.user_id), "Model": g.model_used or g.model_requested,
        "Kind": g.kind, "Status": g.status, "Tokens": g.total_tokens, "Usage": usage_source(g.total_tokens, g.usage_estimated),
        "Cost": format_cost(g.cost_usd, g.usage_estimated) + (" (cache)" if g.cached_from else ""),
        "Prompt": preview(g.prompt), "Image": thumbnail_uri(vault, g) if g.images else None,
        "Id": generation_href(g.id), "Match": marked((snippets or {}).get(g.id, [])),
    } for g in items]
    columns = ["Time", "User", "Model", "Kind", "Status", "Tokens", "Usage", "Cost", "Prompt", "Image", "Id"]
    if snippets:  # a search: why each row matched, beside its prompt
        columns.insert(columns.index("Prompt") + 1, "Match")
    return pd.DataFrame(rows, columns=columns)


def usage_source(tokens, estimated) -> str:
    """Beside a token count: "estimated" when counted locally (no usage from the provider)."""
    if not tokens:
        return ""
    return "estimated" if is_estimated(estimated) else "reported"


def generation_table(frame: pd.DataFrame, ids: list[str], key: str) -> None:
    """The grid; selecting a row opens that generation in this tab."""
    config = {
        "Id": st.column_config.LinkColumn("Id", display_text=r"id=(.*)$", help="Opens in a new tab"),
        "Image": st.column_config.ImageColumn("Image"),
        "Tokens": st.column_config.NumberColumn("Tokens", format="%d"),
    }
    config = {name: column for name, column in config.items() if name in frame.columns}
    event = st.dataframe(frame, hide_index=True, width="stretch", column_config=config, key=key,
                         on_select="rerun", selection_mode="single-row")
    rows = event.selection.rows if event is not None else []
    if rows and rows[0] < len(ids):
        open_generation(ids[rows[0]])


def row_links(items: list[Generation], title: str = "Open a generation", snippets: dict | None = None) -> None:
    with st.expander(title):
        for g in items:
            label = f"{format_time(g.created_utc)} · {g.model_used or g.model_requested} · {preview(g.prompt, 60)}"
            match = (snippets or {}).get(g.id)
            link_to_generation(g.id, md_escape(label) + (f" — {highlighted(match)}" if match else ""),
                               icon=":material/open_in_browser:")
