"""AppTest: the Costs page — totals for a URL date range, unpriced models, the top ten."""
from __future__ import annotations

from datetime import timedelta

import streamlit as st

from genlib import GenerationRequest
from ui.render import utcnow

COSTS = "pages/costs.py"


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def seed(vault, prompts, user="local", model="offline-demo"):
    ids = [vault.start(GenerationRequest(p, model), user) for p in prompts]
    return [vault.wait(i, timeout=20) for i in ids]


def test_default_range_shows_totals_charts_and_savings(open_app, app_vault):
    gens = seed(app_vault, ["one", "two"])
    seed(app_vault, ["one"])  # an identical request: a dedup hit
    at = open_app(COSTS)
    assert not at.exception
    today = utcnow().date()
    assert at.date_input(key="from").value == today - timedelta(days=29)
    assert at.date_input(key="to").value == today
    assert metric(at, "Total cost") == "$0" and metric(at, "Generations") == "3"
    assert metric(at, "Tokens") == f"{sum(g.total_tokens for g in gens):,}"
    assert metric(at, "Unpriced") == "0%"
    assert len(at.get("vega_lite_chart")) == 5  # per day, by user, by model, tokens, savings
    assert {s.value for s in at.subheader} >= {"Cost per day, by model", "By user", "By model",
                                               "Tokens per day", "Savings from the dedup cache",
                                               "Most expensive generations"}


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
