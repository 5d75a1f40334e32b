"""BudgetLedger contract: check-and-reserve is one atomic step; the rate limit counts starts."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from genlib import BudgetExceeded, RateLimited, new_id

LIMIT = Decimal("1.00")


def fits(amount):
    def check(mine, everyone):
        if everyone + amount > LIMIT:
            raise BudgetExceeded("over")
    return check


def test_a_reservation_is_held_until_settled_or_released(backend):
    a, b = new_id(), new_id()
    backend.ledger.reserve(a, "ana", Decimal("0.25"), None, fits(Decimal("0.25")))
    backend.ledger.reserve(b, "bob", Decimal("0.5"), None, fits(Decimal("0.5")))
    assert sorted(backend.ledger.held()) == [("ana", Decimal("0.25")), ("bob", Decimal("0.5"))]
    backend.ledger.settle(a)
    backend.ledger.release(b)
    backend.ledger.release(b)  # idempotent
    assert backend.ledger.held() == []


def test_check_sees_what_is_held_and_a_refusal_holds_nothing(backend):
    seen = []
    backend.ledger.reserve(new_id(), "ana", Decimal("0.75"), None, lambda m, e: seen.append((m, e)))
    backend.ledger.reserve(new_id(), "bob", Decimal("0.5"), None, lambda m, e: seen.append((m, e)))
    assert seen == [(Decimal(0), Decimal(0)), (Decimal(0), Decimal("0.75"))]
    with pytest.raises(BudgetExceeded):
        backend.ledger.reserve(new_id(), "ana", Decimal("0.5"), None, fits(Decimal("0.5")))
    assert len(backend.ledger.held()) == 2


def test_concurrent_reservations_never_overshoot(backend):
    amount, barrier, admitted = Decimal("0.3"), threading.Barrier(20), []

    def start():
        barrier.wait()
        try:
            backend.ledger.reserve(new_id(), "ana", amount, None, fits(amount))
            admitted.append(1)
        except BudgetExceeded:
            pass
    threads = [threading.Thread(target=start) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(admitted) == 3 and sum(a for _, a in backend.ledger.held()) == Decimal("0.9")


def test_the_rate_limit_counts_starts_per_user(backend):
    for _ in range(2):
        backend.ledger.reserve(new_id(), "ana", None, 2, fits(Decimal(0)))
    with pytest.raises(RateLimited):
        backend.ledger.reserve(new_id(), "ana", None, 2, fits(Decimal(0)))
    backend.ledger.reserve(new_id(), "bob", None, 2, fits(Decimal(0)))  # each user their own


def test_a_refused_budget_does_not_use_up_the_rate(backend):
    with pytest.raises(BudgetExceeded):
        backend.ledger.reserve(new_id(), "ana", Decimal("5"), 1, fits(Decimal("5")))
    backend.ledger.reserve(new_id(), "ana", None, 1, fits(Decimal(0)))
