"""Spend alerts: an hour over `alert_multiple` x a user's usual hourly spend is flagged and logged."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest

from genlib.budgets.alerts import SpendAlerts
from tests.budget_helpers import seed_spend, text_request, write_budgets

HOUR = datetime(2026, 3, 10, 12, 0)
CONFIG = "alert_multiple = 5\nalert_min_usd = 1\n"


def seed_history(vault, user="ana"):
    """Ten active hours at $0.50 over the three days before HOUR: a usual rate of $0.50/h."""
    for i in range(10):
        seed_spend(vault, user, "0.5", HOUR - timedelta(hours=7 * i + 3))


def test_an_hour_far_above_the_usual_rate_is_flagged_with_its_generations(vault):
    write_budgets(vault, CONFIG)
    seed_history(vault)
    spikes = [seed_spend(vault, "ana", cost, HOUR + timedelta(minutes=m), prompt=f"spike {m}")
              for cost, m in (("2", 5), ("3", 20), ("1", 40))]
    seed_spend(vault, "bo", "0.4", HOUR + timedelta(minutes=1))  # new user, but under alert_min_usd
    seed_spend(vault, "cy", "3", HOUR + timedelta(minutes=2))  # new user over it: no usual rate at all
    seed_spend(vault, "ana", "2", HOUR - timedelta(hours=25))  # 4x the usual then: not over 5x
    alerts = vault.budgets.spend_alerts(HOUR - timedelta(days=2), HOUR + timedelta(days=1))
    by_user = {a.user_id: a for a in alerts}
    assert set(by_user) == {"ana", "cy"}
    ana = by_user["ana"]
    assert ana.hour == HOUR and ana.spent_usd == 6.0 and ana.usual_usd == pytest.approx(7 / 11)  # $7, 11 h
    assert list(ana.generations["id"]) == [spikes[1], spikes[0], spikes[2]]  # most expensive first
    assert by_user["cy"].ratio is None
    assert [a.user_id for a in vault.budgets.spend_alerts(HOUR - timedelta(days=2), HOUR + timedelta(days=1),
                                                          "ANA")] == ["ana"]


def test_no_alerts_unless_configured(vault):
    seed_spend(vault, "cy", "300", HOUR)
    assert vault.budgets.spend_alerts(HOUR, HOUR + timedelta(hours=1)) == []


def test_a_spike_is_logged_once_when_a_generation_ends(vault, fake, caplog):
    write_budgets(vault, CONFIG)
    seed_history(vault)
    seed_spend(vault, "ana", "9", HOUR + timedelta(minutes=5))
    vault.budgets.alerts = SpendAlerts(vault.store, lambda: HOUR + timedelta(minutes=30))
    with caplog.at_level(logging.WARNING, logger="genlib.budgets.alerts"):
        vault.wait(vault.start(text_request(1), "ana"), timeout=20)
        vault.wait(vault.start(text_request(2), "ana"), timeout=20)
    alerts = [r.getMessage() for r in caplog.records if "spend alert" in r.getMessage()]
    assert len(alerts) == 1
    assert "ana spent $9.0000 in the hour from 2026-03-10 12:00 UTC, over 5 x their usual $0.5000/h" in alerts[0]
