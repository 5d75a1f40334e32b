"""Budgets and prices shared by replicas (issue 11, point 5): an admin's edit on one replica is in
force, and enforced by the shared budget ledger, on the other within 5 s; two admins saving from
the same version can't both win. Two real processes over one PostgreSQL schema and Redis prefix."""
from __future__ import annotations

import time

from tests.test_replicas import fake, replicas  # noqa: F401 - the fixtures

PROPAGATION_S = 5.0  # the bound; the replicas poll the database every second


def seen_within(check, limit: float = 15.0) -> float:
    """Seconds until check() is true (the test fails past `limit`, the bound is asserted by the caller)."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < limit, "never seen"
        time.sleep(0.05)
    return time.monotonic() - start


def test_a_limit_set_on_one_replica_is_enforced_by_the_other_within_five_seconds(replicas, fake):
    a, b = replicas(2)
    assert b.call("wait", gen_id=b.call("start", prompt="before the limit")["id"])["status"] == "complete"
    saved = a.call("set_limit", user="*", key="daily_usd", value="0")
    assert "version" in saved, saved
    took = seen_within(lambda: b.call("settings")["daily_usd"] == "0")
    print(f"budgets edit seen by the other replica after {took:.2f} s")
    assert took < PROPAGATION_S
    calls = fake.calls("chat")
    refused = b.call("start", prompt="after the limit")
    assert refused.get("refused") == "BudgetExceeded" and "used up" in refused["message"], refused
    assert fake.calls("chat") == calls  # refused before any provider call
    a.call("set_limit", user="*", key="daily_usd", value="100")
    seen_within(lambda: b.call("settings")["daily_usd"] == "100.00")
    assert "id" in b.call("start", prompt="after raising it")


def test_prices_imported_on_one_replica_price_on_the_other_within_five_seconds(replicas, fake):
    a, b = replicas(2)
    a.call("save_settings", name="prices",
           text='[models."gpt-4o-mini"]\ninput_per_mtok = 1000\noutput_per_mtok = 1000\n')
    took = seen_within(lambda: b.call("estimate") == "1.001")  # 1 input + 1000 output tokens at $1000/M
    print(f"prices edit seen by the other replica after {took:.2f} s")
    assert took < PROPAGATION_S


def test_two_admins_saving_from_the_same_version_cannot_both_win(replicas, fake):
    a, b = replicas(2)
    first = a.call("set_limit", user="*", key="daily_usd", value="5")
    seen_within(lambda: b.call("settings")["budgets"] == first["version"])
    ok = a.call("set_limit", user="*", key="daily_usd", value="6", expected_version=first["version"])
    late = b.call("set_limit", user="*", key="monthly_usd", value="60", expected_version=first["version"])
    assert "version" in ok and late.get("refused") == "EditConflict", (ok, late)
    assert "changed by admin@replica" in late["message"]
    seen_within(lambda: b.call("settings")["daily_usd"] == "6.00")
