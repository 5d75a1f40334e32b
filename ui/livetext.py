"""A growing answer as Markdown render steps: each finished block once, the open tail each time.

The live view re-renders only the block still being written: text up to the last blank line
(outside a code fence, before a line that isn't indented) is final and sent once; the rest is
re-rendered per update, with an unfinished `**bold`, `` `code ``, ``` fence or `[link](` closed
or hidden, so the reader never sees raw syntax flash by. Everything goes through
ui/safe_markdown.py (sanitized HTML that loads nothing). The finished view renders the whole
text again, so the small differences of block-by-block rendering (a loose list in pieces) last
only while it streams.
"""
from __future__ import annotations

import re

from .safe_markdown import markdown_html

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
OPEN_LINK = re.compile(r"\[[^\]\n]*\]\([^)\n]*$|\[[^\]\n]*$")
CODE_SPAN = re.compile(r"`+")
LIST_STAR = re.compile(r"(?m)^\s*\*(?=\s)")
PARTIAL_MARKER = re.compile(r"[*_`~\[]+$")


def stable_end(text: str, start: int = 0, fence: str | None = None) -> int:
    """Where the last finished block ends; `start` begins a block (inside `fence` if one is open)."""
    end, pos, blank_seen = start, start, False
    while True:
        newline = text.find("\n", pos)
        if newline < 0:
            return end  # the last line may still grow: never a boundary on its own
        line = text[pos:newline]
        opener = FENCE.match(line)
        if fence is not None:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence) \
                    and not line.strip().strip(fence[0]):
                fence = None
        elif not line.strip():
            blank_seen = True
        else:
            if blank_seen and not line[:1].isspace():
                end = pos  # a new, unindented block starts here: everything before is final
            blank_seen = False
            if opener:
                fence = opener.group(1)
        pos = newline + 1


def open_fence(text: str) -> str | None:
    """The marker of a code fence `text` leaves open, else None."""
    fence = None
    for line in text.split("\n"):
        opener = FENCE.match(line)
        if fence is None and opener:
            fence = opener.group(1)
        elif fence is not None and opener and opener.group(1)[0] == fence[0] \
                and len(opener.group(1)) >= len(fence) and not line.strip().strip(fence[0]):
            fence = None
    return fence


def close_open(tail: str) -> str:
    """The open block made renderable mid-word: unfinished inline markup closed or hidden."""
    fence = open_fence(tail)
    if fence is not None:
        body, _, last = tail.rpartition("\n")
        if last.strip() and not last.strip().strip(fence[0]):  # the closing fence, half arrived
            tail = body
        return tail + "\n" + fence
    text = PARTIAL_MARKER.sub("", tail.rstrip()).rstrip()  # "**" just arrived: its text hasn't yet
    link = OPEN_LINK.search(text)
    if link and text[:link.start()].count("`") % 2 == 0:
        text = text[:link.start()].rstrip()
    closers = []  # (position of the opener, closer): innermost closes first
    spans = list(CODE_SPAN.finditer(text))
    outside = text
    if len(spans) % 2:  # an open code span: close it; markers inside it are code, not emphasis
        closers.append((spans[-1].start(), spans[-1].group()))
        outside = text[:spans[-1].start()]
    outside = re.sub(r"`+[^`]*`+", lambda m: " " * len(m.group()), outside)
    for marker in ("**", "~~", "__"):
        positions = [m.start() for m in re.finditer(re.escape(marker), outside)]
        if len(positions) % 2:
            closers.append((positions[-1], marker))
    singles = LIST_STAR.sub(" ", outside.replace("**", "  "))
    stars = [m.start() for m in re.finditer(r"\*", singles)]
    if len(stars) % 2:
        closers.append((stars[-1], "*"))
    return text + "".join(closer for _, closer in sorted(closers, reverse=True))


def tail_window(text: str, limit: int) -> int:
    """Where to start showing a text longer than `limit`: on a line (else a word) of its own."""
    if len(text) <= limit:
        return 0
    start = len(text) - limit
    newline = text.find("\n", start, start + 2000)
    if newline >= 0:
        return newline + 1
    space = text.find(" ", start, start + 200)
    return space + 1 if space >= 0 else start


class LiveMarkdown:
    """Render steps for one viewer of one growing text (the server keeps one per connection)."""

    def __init__(self, limit: int):
        self.limit = limit  # at most this many characters of open tail are rendered each time
        self.done = 0       # text[:done] has been sent as finished blocks
        self.text_len = -1
        self.fence: str | None = None  # the fence the shown window starts inside, if any

    def update(self, text: str) -> list[dict]:
        """Events for the browser: {"t": "reset", "skipped": n}, {"t": "block", "html", "n"},
        {"t": "tail", "html"}. Only what changed since the last call."""
        events: list[dict] = []
        if len(text) < self.text_len or self.text_len < 0:  # first call, or the text restarted
            self.done = tail_window(text, self.limit)
            # a window that starts inside a code fence keeps it a code block, not prose
            self.fence = open_fence(text[:self.done]) if self.done else None
            events.append({"t": "reset", "skipped": self.done})
        self.text_len = len(text)
        cut = stable_end(text, self.done, self.fence)
        reopen = self.fence + "\n" if self.fence else ""
        if cut > self.done:
            block = text[self.done:cut]
            events.append({"t": "block", "html": markdown_html(reopen + block), "n": len(block)})
            self.done, self.fence, reopen = cut, None, ""
        tail = reopen + text[self.done:]
        if len(tail) > self.limit:  # one giant paragraph: show its end, as the page always did
            tail = tail[tail_window(tail, self.limit):]
        events.append({"t": "tail", "html": markdown_html(close_open(tail)) if tail.strip() else ""})
        return events
