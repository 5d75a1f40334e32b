"""Generations per user per minute: a sliding one-minute window of admitted starts, in memory.

Not locked on its own: `BudgetGuard` calls it under the same lock as the budget check, so a
check and its record are one step and 20 concurrent starts can't all see a free slot.
"""
from __future__ import annotations

import time
from collections import deque

WINDOW_S = 60.0


class RateLimiter:
    def __init__(self, window_s: float = WINDOW_S, clock=time.monotonic):
        self.window_s = window_s
        self._clock = clock
        self._starts: dict[str, deque[float]] = {}

    def wait_s(self, user_id: str, limit: int | None) -> float | None:
        """None when `user_id` may start one more now; else seconds until a slot frees up."""
        if limit is None:
            return None
        if limit <= 0:  # a limit of 0: nothing is ever allowed
            return self.window_s
        starts = self._recent(user_id)
        if len(starts) < limit:
            return None
        return max(0.0, starts[-limit] + self.window_s - self._clock())

    def record(self, user_id: str) -> None:
        self._starts.setdefault(user_id, deque()).append(self._clock())

    def count(self, user_id: str) -> int:
        return len(self._recent(user_id))

    def _recent(self, user_id: str) -> deque[float]:
        starts = self._starts.get(user_id, deque())
        cutoff = self._clock() - self.window_s
        while starts and starts[0] <= cutoff:
            starts.popleft()
        if not starts:
            self._starts.pop(user_id, None)  # idle users cost no memory
        return starts
