"""Changing one limit in the budgets TOML (the Costs page's admin form), keeping everything else.

The text is edited line by line, so comments and other entries survive; the result must parse as
valid budgets, else nothing is saved. Saving it is the SettingsStore's (genlib/settingsedit.py).
"""
from __future__ import annotations

import json
import re
import tomllib
from decimal import Decimal, InvalidOperation

from .config import MAX_USD, USD_KEYS, USER_KEYS, parse_budgets_text
from ..errors import BadRequest

_HEADER = re.compile(r"^\s*\[(?!\[)(.+?)\]\s*(#.*)?$")


def with_limit(text: str, user_id: str | None, key: str, value) -> str:
    """`text` with `key` set for one user (`[users."<id>"]`), "*" for `[default_user]`, or None for
    `[overall]`; BadRequest if the setting or value is unusable or the result would not be valid."""
    table = ("overall",) if user_id is None else ("default_user",) if user_id == "*" else ("users", _user(user_id))
    allowed = USD_KEYS if user_id is None else USER_KEYS
    if key not in allowed:
        raise BadRequest(f"Unknown budget setting '{key}': use {', '.join(allowed)}.")
    amount = _amount(value, whole=key == "rate_per_minute")
    # A BOM would hide the first table's header; the text is saved without one.
    new = _with_value(text.removeprefix("\ufeff"), table, key, amount)
    try:
        parse_budgets_text(new)
    except ValueError as exc:
        raise BadRequest(f"The budgets were not changed: the result would not be valid ({exc}). "
                         "Fix them by hand (download, edit, upload) first.") from None
    return new


def _user(user_id: str) -> str:
    user = (user_id or "").strip().lower()
    if not user or len(user) > 320 or any(ch in user for ch in "\r\n"):
        raise BadRequest("Give the user's id (their sign-in email).")
    return user


def _amount(value, whole: bool) -> str:
    try:
        amount = Decimal(str(value).strip().lstrip("$").replace(",", ""))
    except InvalidOperation:
        raise BadRequest(f"{str(value)[:40]!r} is not a number.") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_USD:
        raise BadRequest(f"A limit must be a number from 0 to {MAX_USD:,}.")
    if whole:
        if amount != int(amount):
            raise BadRequest("The rate limit must be a whole number of generations per minute.")
        return str(int(amount))
    return format(amount.quantize(Decimal("0.01")) if amount >= 1 else amount.normalize(), "f")


def _with_value(text: str, table: tuple[str, ...], key: str, value: str) -> str:
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if _table_of(line) == table), None)
    if start is None:  # a new table at the end
        header = table[0] if len(table) == 1 else f"users.{json.dumps(table[1])}"
        return "\n".join([*lines, "", f"[{header}]", f"{key} = {value}"]).lstrip("\n") + "\n"
    end = next((i for i in range(start + 1, len(lines)) if _table_of(lines[i]) is not None), len(lines))
    pattern = re.compile(rf"^\s*(\"?){re.escape(key)}\1\s*=")
    for i in range(start + 1, end):
        if pattern.match(lines[i]):
            lines[i] = f"{key} = {value}"
            return "\n".join(lines) + "\n"
    last = max((i for i in range(start, end) if lines[i].strip()), default=start)
    lines.insert(last + 1, f"{key} = {value}")
    return "\n".join(lines) + "\n"


def _table_of(line: str) -> tuple[str, ...] | None:
    """The key path of a `[table]` header line, or None when the line is not one."""
    match = _HEADER.match(line)
    if not match:
        return None
    try:
        node = tomllib.loads(f"[{match.group(1)}]\n")
    except tomllib.TOMLDecodeError:
        return None
    path = []
    while isinstance(node, dict) and len(node) == 1:
        (name, node), = node.items()
        path.append(name)
    return tuple(name.strip().lower() for name in path)  # user ids match case-insensitively
