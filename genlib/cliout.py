"""What the command line prints with: exit codes, the app URL of a generation, counts in words,
terminal-safe printing, the user it acts as and a progress bar. Shared by every *cli.py module.
"""
from __future__ import annotations

import os
import sys

from .appurl import app_url
from .termsafe import for_stream

EXIT_ERROR, EXIT_LOCKED, EXIT_NOT_FOUND = 1, 3, 4
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what `git log | head` and other Unix tools exit with


def public_url(gen_id: str) -> str:
    """Where the app shows this generation: GENLIB_PUBLIC_URL (the app's address as users open it)."""
    return app_url(f"/generate?id={gen_id}")


def cli_user() -> str:
    """Who the command line acts as: GENLIB_USER, else "local" (the app's user without sign-in); set
    but blank counts as unset, so every command acts as the same user."""
    return os.environ.get("GENLIB_USER", "").strip() or "local"


def plural(n: int, word: str) -> str:
    """"1 cache hit", "12 cache hits"."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def tokens(gen) -> str:
    """"57 tokens", or "57 tokens (estimated)" when counted locally (the provider reported no usage)."""
    return f"{gen.total_tokens:,} tokens{' (estimated)' if gen.usage_estimated else ''}"


def say(text: str, file=None, end: str = "\n", flush: bool = False, as_json: bool = False) -> None:
    """print(), with model and user text made inert when it goes to a terminal (genlib/termsafe.py)."""
    stream = file or sys.stdout
    print(for_stream(text, stream, as_json), file=stream, end=end, flush=flush)


def progress_bar(stream, width: int = 30):
    """A one-line text progress bar, redrawn in place (a terminal) or printed every 10 % (a file)."""
    shown = [-1]

    def draw(done: int, total: int) -> None:
        share = done / total if total else 1.0
        if not stream.isatty() and int(share * 10) == shown[0]:
            return
        shown[0] = int(share * 10)
        bar = "#" * int(share * width)
        end = "\r" if stream.isatty() else "\n"
        print(f"[{bar:<{width}}] {share:4.0%} {done:,}/{total:,}", file=stream, end=end, flush=True)
    return draw
