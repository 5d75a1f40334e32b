"""The live answer's markup on the page: the block live.js fills, and the status line beside it.

The block's body holds the text so far, rendered as the event stream's first message would draw it
(ui/livetext.py through ui/safe_markdown.py), and the same-origin script (ui/liveurls.py); the
status line is plain text, escaped. Nothing from a record reaches the page unescaped or unsanitized.
"""
from __future__ import annotations

import html

from genlib import IMAGE

from .liveurls import SCRIPT, events_href, script_href
from .livetext import LiveMarkdown
from .render import utcnow
from .safe_markdown import STYLE
from .textview import LIVE_TAIL_CHARS


def stats_line(gen, chars: int) -> str:
    """Plain text (the browser sets it as text, never HTML); tokens ≈ characters / 4."""
    elapsed = (utcnow() - (gen.request_sent_utc or gen.created_utc)).total_seconds()
    if gen.kind == IMAGE:
        return f"{elapsed:.1f} s elapsed · model {gen.model_requested}"
    return f"≈ {max(1, round(chars / 4)) if chars else 0:,} tokens so far · {elapsed:.1f} s elapsed · " \
           f"model {gen.model_requested}"


def tail_note(chars: int) -> str:
    if chars <= LIVE_TAIL_CHARS:
        return ""
    return (f"Showing the last {LIVE_TAIL_CHARS:,} of {chars:,} characters while it streams; "
            "all of it shows when it finishes.")


LIVE_CSS = """<style>
.gv-live .gv-live-blocks:empty+.gv-live-tail:empty::before{content:attr(data-waiting);opacity:.6;font-style:italic}
.gv-live-stats,.gv-live-note{font-size:.875rem;opacity:.7}
.st-key-live_refresh{display:none}
</style>"""


def live_block_html(gen) -> str:
    """The st.html body of the live answer: the text so far (so a reload shows it at once), and
    the same-origin script that keeps it growing. The caller draws this body unchanged on every
    rerun of its fragment, so the browser keeps the block (and its event stream)."""
    # "Waiting…" is drawn by CSS (::before) while nothing has arrived: never part of the answer's text
    waiting = "Drawing the image…" if gen.kind == IMAGE else "Waiting for the first token…"
    blocks, tail = initial_html(gen.result_text or "") if gen.kind != IMAGE else ("", "")
    return (f'{STYLE}{LIVE_CSS}<div class="gv-md gv-live" data-src="{events_href(gen.id)}" '
            f'data-limit="{LIVE_TAIL_CHARS}"><div class="gv-live-blocks">{blocks}</div>'
            f'<div class="gv-live-tail" data-waiting="{html.escape(waiting, quote=True)}">{tail}</div></div>'
            f'<script src="{script_href(SCRIPT)}"></script>')


def initial_html(text: str) -> tuple[str, str]:
    """(finished blocks, open tail) as the event stream's first message would draw them."""
    events = LiveMarkdown(LIVE_TAIL_CHARS).update(text)
    blocks = "".join(f'<div class="gv-live-block" data-n="{e["n"]}">{e["html"]}</div>'
                     for e in events if e["t"] == "block")
    return blocks, next((e["html"] for e in events if e["t"] == "tail"), "")


def live_stats_html(gen) -> str:
    """The status line, drawn on each run and kept current by live.js (`data-status`: as drawn)."""
    chars = len(gen.result_text or "")
    return (f'{LIVE_CSS}<div class="gv-live-stats" data-status="{html.escape(gen.status)}">'
            f'{html.escape(stats_line(gen, chars))}</div>'
            f'<div class="gv-live-note">{html.escape(tail_note(chars))}</div>')
