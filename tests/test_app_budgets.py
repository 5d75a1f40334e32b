"""AppTest: budgets in the app — the spend line and warnings on Generate, refusals, the Costs section."""
from __future__ import annotations

from datetime import datetime

import pytest

from tests.budget_helpers import seed_spend, write_budgets

COSTS = "pages/costs.py"
ANA, BOSS = "ana@example.com", "boss@example.com"
SUBMIT = "FormSubmitter:generate_form-Generate"


@pytest.fixture(autouse=True)
def no_budgets_env(monkeypatch):
    monkeypatch.delenv("GENLIB_BUDGETS_FILE", raising=False)


def plain(elements) -> list[str]:
    """Element texts with Markdown escapes removed."""
    return [e.value.replace("\\", "").replace("**", "") for e in elements]


def budget_table(at):
    return next(d.value for d in at.dataframe if "Who" in d.value.columns)


def test_generate_shows_spend_against_the_budget_and_warns_from_80_percent(open_app, app_vault):
    write_budgets(app_vault, "[default_user]\ndaily_usd = 10\nmonthly_usd = 100\n")
    seed_spend(app_vault, "local", "8.5")
    at = open_app()
    assert not at.exception
    assert "Spent today $8.50 of $10.00 (85%) · this month $8.50 of $100.00 (8%)" in plain(at.caption)
    [warning] = plain(at.warning)
    assert warning.startswith("85% of your daily budget is used ($8.50 of $10.00); it resets at 00:00 UTC")


def test_no_budget_line_without_a_budgets_file(open_app, app_vault):
    at = open_app()
    assert not any("Spent today" in c for c in plain(at.caption)) and not at.warning


@pytest.mark.parametrize("text, says", [
    (None, "there is no budgets file"),
    ("# limits will go here\n", "is blank (only comments or empty lines), which counts as no file"),
    ("[overall]\n", "sets no limits"),
])
def test_costs_says_why_nothing_is_limited(open_app, app_vault, text, says):
    if text is not None:
        write_budgets(app_vault, text)
    at = open_app(COSTS)
    assert not at.exception
    [caption] = [c.value for c in at.caption if c.value.startswith("No budgets are set")]
    reason = caption.replace("\\", "")
    assert says in reason
    assert f"`{app_vault.settings.resolved_budgets_file}`" in caption  # a code span shows escapes as typed


def test_a_used_up_budget_refuses_the_generation_with_the_reason(open_app, app_vault):
    write_budgets(app_vault, "[default_user]\ndaily_usd = 1\n")
    seed_spend(app_vault, "local", "1.2")
    at = open_app()
    assert plain(at.error)[0].startswith("Your daily budget of $1.00 is used up ($1.20 spent and reserved)")
    at.text_area(key="prompt").input("one more please")
    at.button(key=SUBMIT).click().run()
    assert "id" not in at.query_params and at.text_area(key="prompt").value == "one more please"
    assert sum("Ask an admin to raise it." in e for e in plain(at.error)) == 1  # said once (issue 15) ...
    assert "Not sent: the budget above is used up." in plain(at.caption)  # ... and the click answered
    assert [g.prompt for g in app_vault.search().items] == ["seeded"]


def test_a_rate_limit_refuses_with_the_reason(open_app, app_vault):
    write_budgets(app_vault, "[default_user]\nrate_per_minute = 0\n")
    at = open_app()
    at.text_area(key="prompt").input("hello")
    at.button(key=SUBMIT).click().run()
    assert "id" not in at.query_params
    assert any("rate limit is 0 generations per minute" in e for e in plain(at.error))


def test_costs_shows_budget_use_per_user_overall_and_the_projection(open_app, app_vault):
    write_budgets(app_vault, "[overall]\nmonthly_usd = 1000\n[default_user]\ndaily_usd = 10\n"
                             '[users."bo"]\ndaily_usd = 50\nrate_per_minute = 6\n')
    seed_spend(app_vault, "local", "4")
    at = open_app(COSTS)
    assert not at.exception and "Budgets" in [s.value for s in at.subheader]
    table = budget_table(at)
    assert list(table["Who"]) == ["bo", "local", "Overall"]
    local = table.set_index("Who").loc["local"]
    assert local["Today"] == "$4.00" and local["Daily budget"] == "$10.00" and local["Used today"] == 0.4
    assert local["Monthly budget"] == "no limit" and local["Rate limit"] == "no limit"
    assert table.set_index("Who").loc["bo"]["Rate limit"] == "6 / min"
    shown = next(d for d in at.dataframe if "Who" in d.value.columns)
    assert shown.proto.placeholder == "no limit"  # the share of no limit
    overall = table.set_index("Who").loc["Overall"]
    assert overall["Monthly budget"] == "$1,000.00" and float(overall["Projected"].strip("$").replace(",", "")) >= 4
    assert overall["Daily budget"] == "no limit" and overall["Rate limit"] == "—"


def test_an_admin_raises_a_budget_from_the_costs_page(open_app, app_vault):
    write_budgets(app_vault, "# mine\n[default_user]\ndaily_usd = 1\n")
    at = open_app(COSTS)
    at.selectbox(key="budget_who").select("Another user…")
    at.text_input(key="budget_user").input("Ana@Example.com")
    at.selectbox(key="budget_setting").select("Daily limit (USD)")
    at.text_input(key="budget_value").input("25")
    at.button(key="FormSubmitter:budget_form-Save limit").click().run()
    assert not at.exception
    assert plain(at.success) == ["Saved: daily_usd = 25 for ana@example.com."]
    text = app_vault.budgets.file.path.read_text()
    assert text.startswith("# mine\n") and '[users."ana@example.com"]\ndaily_usd = 25.00' in text
    assert app_vault.budgets.config().user_limits(ANA).daily_usd == 25
    at.text_input(key="budget_value").input("-3")
    at.button(key="FormSubmitter:budget_form-Save limit").click().run()
    assert any("from 0 to" in e for e in plain(at.error))


def test_non_admins_see_only_their_row_and_no_form(open_app, app_vault, monkeypatch):
    monkeypatch.setenv("GENLIB_ADMINS", BOSS)
    write_budgets(app_vault, "[default_user]\ndaily_usd = 10\n")
    seed_spend(app_vault, ANA, "1")
    seed_spend(app_vault, "ben@example.com", "2")
    at = open_app(COSTS, login=ANA)
    assert list(budget_table(at)["Who"]) == [ANA, "Overall"]
    assert not [s for s in at.selectbox if s.key == "budget_who"]
    at = open_app(COSTS, login=BOSS)
    assert list(budget_table(at)["Who"]) == [ANA, "ben@example.com", "Overall"]
    assert at.selectbox(key="budget_who")


def test_spend_alerts_are_listed_with_their_generations(open_app, app_vault):
    write_budgets(app_vault, "alert_multiple = 3\n")
    now = datetime.utcnow()
    spike = seed_spend(app_vault, "local", "5", now, prompt="a very expensive question")
    at = open_app(COSTS)
    assert not at.exception
    assert any(w.startswith("local spent $5.00 in the hour from ") for w in plain(at.warning))
    assert list(at.dataframe(key="alert_table_0").value["Id"]) == [spike]


def test_a_save_from_a_page_shown_before_someone_elses_edit_is_refused(open_app, app_vault):
    write_budgets(app_vault, "[default_user]\ndaily_usd = 1\n")
    at = open_app(COSTS)
    write_budgets(app_vault, "[default_user]\ndaily_usd = 2\n")  # another admin, by hand, meanwhile
    at.selectbox(key="budget_who").select("Each user (default)")
    at.selectbox(key="budget_setting").select("Daily limit (USD)")
    at.text_input(key="budget_value").input("5")
    at.button(key="FormSubmitter:budget_form-Save limit").click().run()
    assert not at.exception and not at.success
    assert any("were changed" in e and "not saved" in e for e in plain(at.error))
    assert app_vault.budgets.file.path.read_text() == "[default_user]\ndaily_usd = 2\n"
    at.button(key="FormSubmitter:budget_form-Save limit").click().run()  # now from the version shown
    assert plain(at.success) == ["Saved: daily_usd = 5 for each user."]
    assert app_vault.budgets.config().default_user.daily_usd == 5
