"""The stream watchdog: one daemon thread that cuts streams which made no progress in time.

httpx's read timeout restarts on every byte, so a provider dripping one byte at a time never
trips it. Each watched stream reports `overdue(now)`; the watchdog calls its `expire()`, which
shuts the socket down from this thread (the reader, blocked in recv, then wakes and reports it).
"""
from __future__ import annotations

import threading
import time
from typing import Protocol

MIN_POLL_S, MAX_POLL_S = 0.05, 1.0


class Watched(Protocol):
    deadline_s: float

    def overdue(self, now: float) -> bool: ...
    def expire(self) -> None: ...


class Watchdog:
    """Checks every watched stream a few times per deadline; starts its thread on first use."""

    def __init__(self):
        self._watched: set[Watched] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self, stream: Watched) -> None:
        with self._lock:
            self._watched.add(stream)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="genlib-watchdog", daemon=True)
                self._thread.start()
        self._wake.set()  # a shorter deadline than any before may need a shorter poll

    def unwatch(self, stream: Watched) -> None:
        with self._lock:
            self._watched.discard(stream)

    def _run(self) -> None:
        while True:
            self._wake.wait(self._poll_s())
            self._wake.clear()
            now = time.monotonic()
            with self._lock:
                due = [s for s in self._watched if s.overdue(now)]
            for stream in due:
                self.unwatch(stream)
                stream.expire()

    def _poll_s(self) -> float:
        """A tenth of the shortest deadline: a stream is cut at most ~10% late."""
        with self._lock:
            shortest = min((s.deadline_s for s in self._watched), default=MAX_POLL_S * 10)
        return min(MAX_POLL_S, max(MIN_POLL_S, shortest / 10))


WATCHDOG = Watchdog()
