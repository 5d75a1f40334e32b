"""Test helpers for fault tests: a service reached through a TCP proxy the test can cut and restore."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

from tests.tcpproxy import TcpProxy


def proxied(url: str, default_port: int) -> tuple[str, TcpProxy]:
    """(the same URL through a new proxy on a loopback port, the proxy)."""
    parts = urlsplit(url)
    proxy = TcpProxy(parts.hostname, parts.port or default_port)
    return url.replace(parts.netloc.split("@")[-1], f"127.0.0.1:{proxy.port}", 1), proxy


def until(check, timeout: float, every: float = 0.2):
    """check()'s first truthy answer within timeout seconds, else its last answer."""
    deadline = time.monotonic() + timeout
    while True:
        answer = check()
        if answer or time.monotonic() > deadline:
            return answer
        time.sleep(every)
