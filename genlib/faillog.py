"""Logging for a failure that repeats on every tick (a full disk): the traceback once, then a
one-line reminder per minute while it lasts, and one line when it recovers.

A writer that retries every 200 ms would otherwise fill the log (often on the very disk that is
full) with identical tracebacks.
"""
from __future__ import annotations

import logging
import time

REMIND_EVERY_S = 60.0


class RepeatedFailureLog:
    def __init__(self, log: logging.Logger, what: str, remind_every_s: float = REMIND_EVERY_S, clock=time.monotonic):
        self._log, self._what = log, what
        self._remind_every_s, self._clock = remind_every_s, clock
        self._since: float | None = None  # when the current run of failures began
        self._reminded = 0.0
        self._failures = 0

    def failed(self, exc: BaseException) -> None:
        """Call from an `except` block."""
        now = self._clock()
        self._failures += 1
        if self._since is None:
            self._since = self._reminded = now
            self._log.error("%s failed; retrying at every tick", self._what, exc_info=exc)
        elif now - self._reminded >= self._remind_every_s:
            self._reminded = now
            self._log.error("%s still failing after %.0f s (%d attempts): %s", self._what, now - self._since,
                            self._failures, exc)

    def succeeded(self) -> None:
        if self._since is None:
            return
        self._log.warning("%s works again after %.0f s (%d failed attempts)", self._what,
                          self._clock() - self._since, self._failures)
        self._since, self._failures = None, 0
