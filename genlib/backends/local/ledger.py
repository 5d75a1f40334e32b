"""The embedded budget ledger (`BudgetLedger` in backends/base.py): reservations and the rate window in
memory, one lock making check-and-reserve one step (right for one process per data dir). Several
replicas need a shared one: e.g. a Redis script that checks and adds atomically, or a row per
(scope, period) locked with SELECT ... FOR UPDATE in Postgres.
"""
from __future__ import annotations

import threading
import time
from decimal import Decimal
from typing import Callable

from ...budgets.ratelimit import RateLimiter
from ...budgets.use import rate_message
from ...errors import RateLimited

ZERO = Decimal(0)


class LocalLedger:
    def __init__(self, monotonic=time.monotonic):
        self._lock = threading.Lock()
        self._held: dict[str, tuple[str, Decimal]] = {}  # generation id -> (user, worst-case USD)
        self.rate = RateLimiter(clock=monotonic)

    def reserve(self, gen_id: str, user: str, amount: Decimal | None, rate_per_minute: int | None,
                check: Callable[[Decimal, Decimal], None]) -> None:
        with self._lock:
            if (wait := self.rate.wait_s(user, rate_per_minute)) is not None:
                raise RateLimited(rate_message(self.rate.count(user), rate_per_minute, wait))
            if amount is not None:
                held = list(self._held.values())
                check(_sum(held, user), _sum(held, None))
                self._held[gen_id] = (user, amount)
            self.rate.record(user)

    def settle(self, gen_id: str) -> None:
        self.release(gen_id)

    def release(self, gen_id: str) -> None:
        with self._lock:
            self._held.pop(gen_id, None)

    def held(self) -> list[tuple[str, Decimal]]:
        with self._lock:
            return list(self._held.values())


def _sum(held: list[tuple[str, Decimal]], user: str | None) -> Decimal:
    return sum((amount for who, amount in held if user is None or who == user), ZERO)
