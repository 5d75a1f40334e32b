"""AppTest: the Costs page — totals for a URL date range, unpriced models, the top ten."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import streamlit as st

from genlib import GenerationRequest
from tests.apptext import unescaped
from tests.budget_helpers import seed_spend
from ui.render import utcnow

COSTS = "pages/costs.py"


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def seed(vault, prompts, user="local", model="offline-demo"):
    ids = [vault.start(GenerationRequest(p, model), user) for p in prompts]
    return [vault.wait(i, timeout=20) for i in ids]


def captions(at) -> str:
    return " ".join(unescaped(c.value) for c in at.caption)


def test_zero_spend_shows_empty_states_not_empty_charts(open_app, app_vault):
    gens = seed(app_vault, ["one", "two"])
    seed(app_vault, ["one"])  # an identical request: a dedup hit (of a $0 original)
    at = open_app(COSTS)
    assert not at.exception
    today = utcnow().date()
    assert at.date_input(key="from").value == today - timedelta(days=29)
    assert at.date_input(key="to").value == today
    assert metric(at, "Total cost") == "$0" and metric(at, "Generations") == "3"
    assert metric(at, "Tokens") == f"{sum(g.total_tokens for g in gens):,}"
    assert metric(at, "Unpriced") == "0%"
    assert next(m for m in at.metric if m.label == "Saved by dedup").help.startswith("1 cache hit:")
    assert "Nothing was spent in this range" in at.info[0].value
    assert len(at.get("vega_lite_chart")) == 1  # only tokens: no $0 bars on a bare $0 axis
    assert "1 cache hit (identical requests" in captions(at) and "saved $0, because" in captions(at)
    assert "No generation in this range cost more than $0." in captions(at)  # no list of $0 rows
    assert not at.dataframe  # single-user mode: no By user chart either
    assert "By user" not in {s.value for s in at.subheader}


def test_spend_shows_the_charts_savings_and_only_paid_rows_in_the_top_ten(open_app, app_vault):
    paid = seed_spend(app_vault, "local", "0.002", prompt="paid answer", input_tokens=10, output_tokens=20)
    seed_spend(app_vault, "local", "0", prompt="hit", cached_from=paid, cost_saved_usd=Decimal("0.002"))
    seed_spend(app_vault, "local", "0", prompt="free answer", model="offline-demo", output_tokens=5)
    at = open_app(COSTS)
    assert metric(at, "Total cost") == "$0.002" and metric(at, "Saved by dedup") == "$0.002"
    assert len(at.get("vega_lite_chart")) == 4  # per day, by model, tokens, savings
    assert {s.value for s in at.subheader} >= {"Cost per day, by model", "By model", "Tokens per day",
                                               "Savings from the dedup cache", "Most expensive generations"}
    assert "1 cache hit (identical requests answered from an earlier generation, with no provider call) " \
           "saved $0.002." in captions(at)
    top = at.dataframe(key="top_table").value
    assert list(top["Prompt"]) == ["paid answer"] and "User" not in top


def test_only_failed_calls_cost_zero_and_the_figures_agree(open_app, app_vault):
    for i in range(2):
        seed_spend(app_vault, "local", None, prompt=f"failed {i}", status="error", error="provider said no")
    at = open_app(COSTS)
    assert metric(at, "Total cost") == "$0" and metric(at, "Unpriced") == "0%"  # not "unpriced" beside 0%
    assert "Nothing was spent in this range" in at.info[0].value
    assert "No tokens in this range" in captions(at) and "No dedup cache hits" in captions(at)
    assert not at.get("vega_lite_chart") and not at.warning


def test_a_range_with_only_unpriced_tokens_says_unpriced_in_both(open_app, app_vault):
    seed_spend(app_vault, "local", None, model="my-local-model", prompt="local", input_tokens=3, output_tokens=4)
    at = open_app(COSTS)
    assert metric(at, "Total cost") == "unpriced" and metric(at, "Unpriced") == "100%"


def test_date_range_comes_from_the_url(open_app, app_vault):
    seed(app_vault, ["one"])
    at = open_app(COSTS, **{"from": "2001-01-01", "to": "2001-01-31"})
    assert str(at.date_input(key="from").value) == "2001-01-01"
    assert metric(at, "Generations") == "0" and "No generations in this date range" in at.info[0].value
    at = open_app(COSTS, **{"from": "not-a-date"})
    assert not at.exception and "not a date" in at.warning[0].value


def test_unpriced_models_are_named_with_the_prices_file_and_top_ten_links(open_app, fake_provider, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_provider.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    st.cache_resource.clear()
    from ui.vault import get_vault
    vault = get_vault()
    [unpriced] = seed(vault, ["what does this cost?"], model="fake-model")
    [priced] = seed(vault, ["and this?"], model="gpt-4o-mini")
    assert unpriced.cost_usd is None and priced.cost_usd
    at = open_app(COSTS)
    assert metric(at, "Unpriced") == "50%"
    warning = at.warning[0].value
    assert "fake\\-model" in warning and str(vault.settings.resolved_prices_file) in warning
    assert metric(at, "Total cost").startswith("$0.0000")
    top = at.dataframe[-1].value
    assert list(top["Id"]) == [priced.id]


def test_a_reversed_range_is_swapped_in_the_pickers_too(open_app, app_vault):
    seed(app_vault, ["one"])
    today = utcnow().date()
    at = open_app(COSTS, **{"from": today.isoformat(), "to": (today - timedelta(days=3)).isoformat()})
    assert not at.exception
    assert at.date_input(key="from").value == today - timedelta(days=3) and at.date_input(key="to").value == today
    assert [unescaped(w.value) for w in at.warning] == ["The date range was inverted (From after To); swapped it."]
    assert metric(at, "Generations") == "1"
    at.date_input(key="from").set_value(today + timedelta(days=2)).run()  # moved past To by hand
    assert at.date_input(key="from").value == today and at.date_input(key="to").value == today + timedelta(days=2)
    assert not at.exception and metric(at, "Generations") == "1"
