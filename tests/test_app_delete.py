"""AppTest: deleting a generation from its page (issue 14): confirmation, tombstone, owners only; the
Costs page (metrics and chart data) the same before and after a prune."""
from __future__ import annotations

from genlib import GenerationRequest
from tests.conftest import TEST_ISSUER
from tests.test_app_generate import texts

ANA, BEN = "ana@example.com", "ben@example.com"


def seed(vault, prompt, user):
    return vault.wait(vault.start(GenerationRequest(prompt, "offline-demo"), user), timeout=20)


def test_delete_asks_first_and_cancel_keeps_it(open_app, app_vault):
    gen = seed(app_vault, "keep this one", "local")
    at = open_app(id=gen.id).button(key="delete_generation").click().run()
    assert "Delete this generation for good?" in texts(at)
    at = at.button(key="cancel_delete").click().run()
    assert "for good" not in texts(at) and app_vault.tombstone(gen.id) is None


def test_confirmed_delete_shows_the_tombstone_and_keeps_the_cost(open_app, app_vault):
    gen = seed(app_vault, "delete me please", "local")
    totals = app_vault.costs().totals
    at = open_app(id=gen.id).button(key="delete_generation").click().run()
    at = at.button(key="confirm_delete").click().run()
    assert [t.value for t in at.title] == ["Generation deleted"] and not at.exception
    assert "Deleted on " in texts(at) and "by local" in texts(at) and "delete me please" not in texts(at)
    assert app_vault.costs().totals == totals
    again = open_app(id=gen.id)  # the link itself, later: the tombstone, not "not found"
    assert [t.value for t in again.title] == ["Generation deleted"]


def test_a_signed_in_user_deletes_their_own_and_another_user_sees_nothing(open_app, app_vault):
    at = open_app(login=ANA)
    at.text_area(key="prompt").input("ana's to delete")
    at.button(key="FormSubmitter:generate_form-Generate").click().run()
    gen = app_vault.wait(at.query_params["id"], timeout=20)
    assert gen.user_id == f"{TEST_ISSUER}#sub-{ANA}"
    ben = open_app(login=BEN, id=gen.id)
    assert [t.value for t in ben.title] == ["Generation not found"]
    assert "delete_generation" not in [b.key for b in ben.button]
    at = open_app(login=ANA, id=gen.id).button(key="delete_generation").click().run()
    at = at.button(key="confirm_delete").click().run()
    assert "by ana\\@example\\.com\\." in texts(at)  # Markdown-escaped
    assert [t.value for t in open_app(login=BEN, id=gen.id).title] == ["Generation not found"]


def test_the_costs_page_is_the_same_before_and_after_a_prune(open_app, app_vault):
    from datetime import datetime, timedelta

    from tests.budget_helpers import seed_spend, write_budgets

    for i, cost in enumerate(["0.40", "1.25", "0.05", "2.00"]):
        seed_spend(app_vault, "local", cost, datetime.utcnow() - timedelta(days=3 * i + 1), prompt=f"spend {i}")

    def page():
        at = open_app("pages/costs.py")
        charts = [(c.proto.spec, [d.data.data for d in c.proto.datasets]) for c in at.get("vega_lite_chart")]
        return [(m.label, m.value) for m in at.metric], charts, len(at.get("vega_lite_chart"))

    before = page()
    write_budgets(app_vault, "[retention]\ndays = 5\n")
    assert app_vault.prune().count == 2
    assert page() == before and before[2] >= 2 and ("Total cost", "$3.7") in before[0]
