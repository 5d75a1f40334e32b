"""Text as an AppTest page shows it: Markdown sources with their backslash escapes undone.

ui/safe_markdown.py's `md_escape` backslash-escapes every ASCII punctuation character of record,
error and user text before it reaches st.error/st.caption, so AppTest sees `(401)\\.` for "(401).".
"""
from __future__ import annotations

import re

_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def unescaped(markdown: str) -> str:
    return _ESCAPED.sub(r"\1", markdown)


def errors(at) -> list[str]:
    return [unescaped(e.value) for e in at.error]
