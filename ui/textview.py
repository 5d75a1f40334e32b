"""Record text on a page (answers, prompts, earlier turns): always safe, bounded in size.

Rendering Markdown safely costs the server ~10 µs a character for dense Markdown (markdown-it-py
plus nh3, measured), and the browser struggles with megabytes, so a page renders at most
SHOWN_CHARS of one text as Markdown; a longer one says so and offers all of it as plain text
(cheap at any size) next to the Download button. The live view (ui/livestream.py) shows only
the last LIVE_TAIL_CHARS, so each update is bounded however long the answer grows. A long prompt
is collapsed to its beginning with a "Show all" toggle, so the answer stays near the top.
"""
from __future__ import annotations

from functools import lru_cache

import streamlit as st

from .livetext import close_open
from .safe_markdown import markdown_block, plain_block

SHOWN_CHARS = 100_000
LIVE_TAIL_CHARS = 10_000
COPY_CHARS = 100_000
COLLAPSED_CHARS, COLLAPSED_LINES = 600, 12  # a prompt past either shows its beginning first


@lru_cache(maxsize=32)
def _rendered(text: str) -> str:
    # Reruns of a finished page (a click, a Continue) and unchanged live polls reuse the HTML.
    return markdown_block(text)


def show_text(text: str, key: str, whole_elsewhere: str = "") -> None:
    """`text` as safe Markdown; past SHOWN_CHARS, the beginning plus a "Show all" toggle."""
    if len(text) <= SHOWN_CHARS:
        st.html(_rendered(text))
        return
    show_all = st.session_state.get(f"show_all_{key}", False)
    st.html(plain_block(text) if show_all else _rendered(text[:SHOWN_CHARS]))
    shown = "all" if show_all else f"the first {SHOWN_CHARS:,}"
    st.caption(f"Showing {shown} of {len(text):,} characters.{whole_elsewhere}")
    st.toggle("Show all (as plain text)", key=f"show_all_{key}")


def show_collapsible(text: str, key: str) -> None:
    """A prompt: whole when short, else its first lines with a "Show all" toggle."""
    lines = text.split("\n")
    if len(text) <= COLLAPSED_CHARS and len(lines) <= COLLAPSED_LINES:
        show_text(text, key)
        return
    if st.session_state.get(f"expand_{key}", False):
        show_text(text, key)
    else:
        short = "\n".join(lines[:COLLAPSED_LINES])[:COLLAPSED_CHARS]
        short = short[:short.rfind(" ")] if " " in short[-80:] else short  # end on a whole word
        st.html(_rendered(close_open(short) + " …"))  # an open fence or **bold closed, as when live
    st.toggle(f"Show all ({len(text):,} characters, {len(lines):,} lines)", key=f"expand_{key}")


def copy_block(text: str) -> None:
    """The Markdown source with a copy button; a very long one would stall the browser's highlighter."""
    if len(text) <= COPY_CHARS:
        st.code(text, language="markdown", wrap_lines=True)
    else:
        st.caption(f"The answer is too long to copy from here ({len(text):,} characters): "
                   "use Download answer, which has all of it.")
