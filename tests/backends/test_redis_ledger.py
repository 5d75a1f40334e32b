"""The Redis budget ledger: atomic admission across replicas, reservations tied to a replica's lease,
the shared rate limit, and a lost Redis refusing starts under a budget (fail closed)."""
from __future__ import annotations

import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from genlib.errors import BudgetExceeded, RateLimited
from genlib.ids import new_id

ROOT = Path(__file__).resolve().parents[2]
LIMIT = Decimal(5)


def fits(spent: Decimal = Decimal(0), worst: Decimal = Decimal(1), limit: Decimal = LIMIT):
    """A budget check like BudgetGuard's: spent + held + this worst case must stay within the limit."""
    def check(held_user: Decimal, held_all: Decimal) -> None:
        if spent + held_all + worst > limit:
            raise BudgetExceeded(f"over budget: {spent} spent, {held_all} held")
    return check


@pytest.fixture
def ledgers(redis_space):
    from genlib.backends.redis import RedisLedger, Space

    opened = []

    def open_ledger(replica: str, start: bool = True, **kwargs):
        ledger = RedisLedger(Space(redis_space.url, prefix=redis_space.prefix), replica, **kwargs)
        opened.append(ledger.start() if start else ledger)
        return ledger
    yield open_ledger
    for ledger in opened:
        ledger.close()
        ledger.space.close()


REPLICA = """
import sys, threading, time
from decimal import Decimal
from pathlib import Path
from genlib.backends.redis import RedisLedger, Space
from genlib.errors import BudgetExceeded
from genlib.ids import new_id
ledger = RedisLedger(Space(sys.argv[1], prefix=sys.argv[2]), sys.argv[3]).start()
def check(held_user, held_all):
    if held_all + 1 > 5:
        raise BudgetExceeded("full")
admitted = []
def start(user):
    while not Path(sys.argv[4]).exists():
        time.sleep(0.001)
    try:  # each a different user: only the overall budget (and the held hash) joins them
        ledger.reserve(new_id(), user, Decimal(1), None, check)
        admitted.append(1)
    except BudgetExceeded:
        pass
threads = [threading.Thread(target=start, args=(f"{sys.argv[3]}-user-{n}",)) for n in range(10)]
for t in threads: t.start()
Path(sys.argv[5]).touch()
for t in threads: t.join()
print(len(admitted))
"""


def test_twenty_simultaneous_starts_on_two_replicas_against_a_budget_for_five_admit_five(redis_space, tmp_path):
    go, ready = tmp_path / "go", [tmp_path / "ready-a", tmp_path / "ready-b"]
    children = [subprocess.Popen([sys.executable, "-c", REPLICA, redis_space.url, redis_space.prefix,
                                  f"replica-{n}", str(go), str(r)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
                for n, r in enumerate(ready)]
    while not all(r.exists() for r in ready) and all(c.poll() is None for c in children):
        time.sleep(0.01)
    go.touch()
    admitted = [int(child.communicate(timeout=60)[0]) for child in children]
    assert sum(admitted) == 5, admitted


def test_settled_generations_stop_being_held(ledgers):
    ledger = ledgers("replica-a")
    first, second = new_id(), new_id()
    ledger.reserve(first, "ana", Decimal("3"), None, fits())
    ledger.reserve(second, "bob", Decimal("1.5"), None, fits())
    assert sorted(ledger.held()) == [("ana", Decimal("3")), ("bob", Decimal("1.5"))]
    with pytest.raises(BudgetExceeded):
        ledger.reserve(new_id(), "ana", Decimal(1), None, fits(worst=Decimal(1)))
    ledger.settle(first)
    ledger.release(first)  # idempotent
    assert ledger.held() == [("bob", Decimal("1.5"))]


def test_a_check_that_saw_a_generation_twice_while_it_settled_is_looked_at_again(ledgers):
    """Held amounts are read, then the generation settles (its cost moves into the spend the check
    reads): counted twice, the check refuses; the ledger notices the change and checks again."""
    a, b = ledgers("replica-a"), ledgers("replica-b")
    running = new_id()
    a.reserve(running, "ana", Decimal(3), None, fits())
    spent, calls = {"usd": Decimal(0)}, []

    def check(held_user, held_all):
        calls.append(held_all)
        if len(calls) == 1:  # meanwhile: its final cost (3) is committed, then its hold dropped
            spent["usd"] = Decimal(3)
            a.settle(running)
        if spent["usd"] + held_all + 2 > LIMIT:
            raise BudgetExceeded("over")
    b.reserve(new_id(), "bob", Decimal(2), None, check)
    assert calls == [Decimal(3), Decimal(0)]


def test_a_crashed_replicas_reservations_are_released_when_its_lease_expires(ledgers):
    crashed = ledgers("replica-crashed", start=False, lease_s=2.0)
    crashed.renew()  # a lease, but no heartbeat: it stops being renewed, as if killed
    crashed.reserve(new_id(), "ana", Decimal(5), None, fits())
    survivor = ledgers("replica-survivor")
    with pytest.raises(BudgetExceeded):
        survivor.reserve(new_id(), "ana", Decimal(1), None, fits())
    while crashed.space.client.exists(crashed.space.key("ledger", "replica", "replica-crashed")):
        time.sleep(0.05)
    survivor.reserve(new_id(), "ana", Decimal(1), None, fits())
    assert survivor.held() == [("ana", Decimal(1))]


def test_a_replica_whose_lease_lapsed_puts_its_own_reservations_back(ledgers):
    ledger, other = ledgers("replica-a", start=False), ledgers("replica-b")
    ledger.renew()
    gen = new_id()
    ledger.reserve(gen, "ana", Decimal(4), None, fits())
    ledger.space.client.delete(ledger.space.key("ledger", "replica", "replica-a"))  # e.g. Redis restarted
    other.reserve(new_id(), "bob", Decimal(1), None, fits())  # drops a's hold as a dead replica's
    assert other.held() == [("bob", Decimal(1))]
    ledger.renew()
    assert sorted(other.held()) == [("ana", Decimal(4)), ("bob", Decimal(1))]  # set again, not added


def test_a_hold_older_than_the_longest_generation_stops_counting(ledgers):
    ledger = ledgers("replica-a", max_hold_s=0.2)
    ledger.reserve(new_id(), "ana", Decimal(5), None, fits())
    while ledger.held():
        time.sleep(0.05)
    ledger.reserve(new_id(), "ana", Decimal(5), None, fits())


def test_the_rate_limit_is_shared_by_the_replicas(ledgers):
    a, b = ledgers("replica-a"), ledgers("replica-b")
    for ledger in (a, b, a):
        ledger.reserve(new_id(), "ana", None, 3, fits())
    with pytest.raises(RateLimited, match="started 3 generations in the last minute; the limit is 3"):
        b.reserve(new_id(), "ana", None, 3, fits())
    b.reserve(new_id(), "bob", None, 3, fits())  # per user
    with pytest.raises(RateLimited, match="limit is 0"):
        a.reserve(new_id(), "carl", None, 0, fits())


def test_a_rate_refusal_reserves_nothing(ledgers):
    ledger = ledgers("replica-a")
    ledger.reserve(new_id(), "ana", Decimal(1), 1, fits())
    with pytest.raises(RateLimited):
        ledger.reserve(new_id(), "ana", Decimal(1), 1, fits())
    assert ledger.held() == [("ana", Decimal(1))]


def test_a_lost_redis_refuses_starts_under_a_budget_or_rate_limit_and_passes_the_others():
    from genlib.backends.redis import RedisLedger, Space

    ledger = RedisLedger(Space("redis://127.0.0.1:1/0"), "replica-a")
    with pytest.raises(BudgetExceeded, match="can't be reached, so generations under a budget"):
        ledger.reserve(new_id(), "ana", Decimal(1), None, fits())
    with pytest.raises(RateLimited, match="can't be reached"):
        ledger.reserve(new_id(), "ana", None, 10, fits())
    ledger.reserve(new_id(), "ana", None, None, fits())  # nothing to enforce
    ledger.release(new_id())  # kept for the next renewal, no error


def test_an_admission_on_a_lapsed_lease_takes_it_again_before_holding(ledgers):
    """Redis restarted (or a long pause): a hold added under a missing lease would be dropped by the
    next admission anywhere as a dead replica's; the ledger takes its lease (and puts its holds) back first."""
    ledger, other = ledgers("replica-a", start=False), ledgers("replica-b")
    ledger.renew()
    first = new_id()
    ledger.reserve(first, "ana", Decimal(2), None, fits())
    ledger.space.client.delete(ledger.space.key("ledger", "replica", "replica-a"))
    other.reserve(new_id(), "bob", Decimal(1), None, fits())  # drops a's hold as a dead replica's
    ledger.reserve(new_id(), "ana", Decimal(1), None, fits())
    other.reserve(new_id(), "carl", Decimal(1), None, fits())  # a's holds now count again
    assert sorted(other.held()) == [("ana", Decimal(1)), ("ana", Decimal(2)), ("bob", Decimal(1)), ("carl", Decimal(1))]
    with pytest.raises(BudgetExceeded):
        other.reserve(new_id(), "dan", Decimal(1), None, fits())  # 5 held: full
