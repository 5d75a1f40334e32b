"""Text from models and users, made safe to print on a terminal.

A model's answer (or a prompt) can carry escape sequences: `ESC[2J` clears the screen, OSC sets
the window title or, with OSC 52, writes the clipboard; bidi overrides reorder what is shown. When
the output is a terminal, every C0/C1 control character (except newline and tab), DEL and the bidi
controls are shown as visible escapes (`\\x1b`, `\\u202e`); sent to a pipe or a file the text stays
exact, since a program reading it wants the real bytes.
"""
from __future__ import annotations

import re
from typing import TextIO

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _json_escape(match: re.Match) -> str:
    return f"\\u{ord(match.group()):04x}"


def escape_controls(text: str, as_json: bool = False) -> str:
    """Control and bidi characters as visible escapes; newlines and tabs kept. `as_json`: as JSON
    `\\u` escapes, for text that is a JSON document (still valid JSON, same value)."""
    return _UNSAFE.sub(_json_escape if as_json else _visible, text)


def for_stream(text: str, stream: TextIO, as_json: bool = False) -> str:
    """`text` escaped when `stream` is a terminal, exact otherwise."""
    isatty = getattr(stream, "isatty", None)
    return escape_controls(text, as_json) if isatty is not None and isatty() else text
