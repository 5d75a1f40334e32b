"""Service URLs of the team backends: one parameter of genlib's own taken out, the password never shown.

`GENLIB_DATABASE_URL` may carry `?schema=`, `GENLIB_REDIS_URL` `?prefix=`: the drivers don't know
them, so they are removed before the URL reaches libpq or redis-py.
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


def take_param(url: str, name: str, default: str) -> tuple[str, str]:
    """(the URL without query parameter `name`, its value or `default`)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    value = next((v for k, v in query if k == name), default)
    return urlunsplit(parts._replace(query=urlencode([(k, v) for k, v in query if k != name]))), value


def describe(url: str, default_port: int) -> str:
    """host:port of a URL, never its user or password (for messages)."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or default_port}"
