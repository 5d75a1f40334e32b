"""Admitting a group of generations together (a comparison's panels): all or none.

`admit_group` makes one atomic ledger step for the whole group: the sum of the panels' worst cases
is checked against every budget that applies and held under the group's id, and the rate limit
must leave room for all the panels' starts. Then each panel starts inside `prepaid()`: its own
admission holds its worst case without checking again (the group's hold already covers it), and
the group's hold is dropped once every panel holds its own. For that moment the amount is held
twice, which can only make a concurrent start more cautious, never let one overshoot.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from decimal import Decimal
from typing import Sequence

from ..errors import RateLimited
from ..records import Generation, GenerationRequest

ZERO = Decimal(0)


class GroupAdmission:
    """Mixed into BudgetGuard (which provides _admitting, _ledger, _name, _limits, _check, _uses)."""

    _group = threading.local()  # set on the thread starting a group's panels

    def admit_group(self, group_id: str, user_id: str, requests: Sequence[GenerationRequest]) -> None:
        """Raise BudgetExceeded / RateLimited for the whole group, or hold its total worst case."""
        config = self._admitting()
        if config is None:
            return
        user = user_id.strip().lower()
        total = None
        if config.has_budget(self._name(user)):
            total = sum((self._worst_or_refuse(config, r) for r in requests), ZERO)
        limit = self._limits(config, user).rate_per_minute
        # The ledger refuses when the starts of the last minute reach its limit: with the limit
        # lowered by n - 1, "admitted" means all n starts fit.
        room = None if limit is None else max(0, limit - len(requests) + 1)
        try:
            self._ledger.reserve(group_id, user, total, room,
                                 lambda mine, everyone: self._check(self._uses(config, user, mine, everyone), total))
        except RateLimited as exc:
            raise RateLimited(f"This comparison starts {len(requests)} generations at once and your rate "
                              f"limit is {limit} per minute, so none was started. {_wait_part(exc)}") from exc

    @contextmanager
    def prepaid(self):
        """Starts on this thread inside the block belong to a group `admit_group` admitted."""
        self._group.on = True
        try:
            yield
        finally:
            self._group.on = False

    def admitted_by_group(self, record: Generation, worst) -> bool:
        """Inside `prepaid`: hold the panel's own worst case, unchecked and outside the rate limit."""
        if not getattr(self._group, "on", False):
            return False
        self._ledger.reserve(record.id, record.user_id.strip().lower(), worst, None, lambda mine, everyone: None)
        return True


def _wait_part(exc: RateLimited) -> str:
    text = str(exc)
    return text[text.index("Try again"):] if "Try again" in text else "Try again in a minute."
