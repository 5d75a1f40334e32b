"""Comparisons in genlib: the group record and leaderboard, starting panels as normal generations,
all-or-none budget admission, stop, pick and visibility."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from genlib import BadRequest, BudgetExceeded, CompareGroup, NotFound, Panel, RateLimited, TIE
from genlib.compare.model import ELO_START, leaderboard
from tests.budget_helpers import write_budgets

T0 = datetime(2026, 11, 1, 12)


def group(models, pick, minutes=0, user="ana") -> CompareGroup:
    panels = tuple(Panel(m, {}, f"gen{i}") for i, m in enumerate(models))
    when = T0 + timedelta(minutes=minutes)
    return CompareGroup(f"g{minutes}", user, when, "p", None, panels, pick=pick, picked_utc=when)


def test_a_winner_beats_each_other_model_and_a_tie_draws_every_pair():
    board = {s.model: s for s in leaderboard([group(["a", "b", "c"], "0", 1), group(["a", "b"], TIE, 2)])}
    assert (board["a"].wins, board["a"].losses, board["a"].ties) == (2, 0, 1)
    assert (board["b"].wins, board["b"].losses, board["b"].ties) == (0, 1, 1)
    assert (board["c"].wins, board["c"].losses, board["c"].ties) == (0, 1, 0)
    assert board["a"].rating > ELO_START > board["c"].rating
    assert leaderboard([group(["a", "a"], "0"), group(["a", "b"], None)]) == []  # same model; unpicked


def test_blind_labels_hide_names_until_the_pick():
    g = CompareGroup("x" * 21, "ana", T0, "p", None, (Panel("m1"), Panel("m2")), blind=True)
    assert [g.label(0), g.label(1)] == ["Model A", "Model B"]
    assert g.picked("1", "ana", T0).label(1) == "m2"
    assert CompareGroup.from_row(g.to_row()) == g


def test_each_panel_is_a_normal_generation_and_the_group_reads_back(vault, fake):
    group_id = vault.compare_start("Say hi", "Be brief", [Panel("gpt-4o-mini"), Panel("gpt-4.1-mini",
                                                                                      {"temperature": 0.2})], "ana")
    got = vault.compare_get(group_id, "ana")
    finals = [vault.wait(g, timeout=20) for g in got.generation_ids]
    assert [f.model_requested for f in finals] == ["gpt-4o-mini", "gpt-4.1-mini"]
    assert all(f.status == "complete" and f.system_prompt == "Be brief" for f in finals)
    assert finals[1].params["temperature"] == 0.2 and got.panels[1].params == {"temperature": 0.2}
    assert vault.compare_get(group_id, "bob") is None and vault.compare_get(group_id, None) == got
    assert vault.compare_get("../etc", None) is None
    assert [g.id for g in vault.compare_recent("ana")] == [group_id] and vault.compare_recent("bob") == []


def test_pick_is_saved_once_and_feeds_the_leaderboard(vault, fake):
    group_id = vault.compare_start("Q", None, [Panel("gpt-4o-mini"), Panel("gpt-4.1-mini")], "ana", blind=True)
    for gen_id in vault.compare_get(group_id).generation_ids:
        vault.wait(gen_id, timeout=20)
    with pytest.raises(BadRequest):
        vault.compare_pick(group_id, "7", "ana", "ana")
    with pytest.raises(NotFound):
        vault.compare_pick(group_id, "1", "bob", "bob")
    picked = vault.compare_pick(group_id, "1", "ana", "ana")
    assert picked.pick == "1" and picked.picked_by == "ana" and picked.label(1) == "gpt-4.1-mini"
    with pytest.raises(BadRequest, match="already picked"):
        vault.compare_pick(group_id, TIE, "ana", "ana")
    board = vault.compare_leaderboard("ana")
    assert [(s.model, s.wins, s.losses) for s in board] == [("gpt-4.1-mini", 1, 0), ("gpt-4o-mini", 0, 1)]
    assert vault.compare_leaderboard("bob") == [] and vault.compare_leaderboard(None, since=T0.replace(year=2100)) == []


def test_picking_waits_for_every_panel_and_stop_all_stops_them(vault, fake):
    fake.default.update(text="slow " * 40, chunks=40, delay=0.05)
    group_id = vault.compare_start("Q", None, [Panel("gpt-4o-mini"), Panel("gpt-4.1-mini")], "ana")
    ids = vault.compare_get(group_id).generation_ids
    next(iter(vault.follow(ids[0])))
    with pytest.raises(BadRequest, match="Wait until"):
        vault.compare_pick(group_id, "0", "ana", "ana")
    assert vault.compare_cancel(group_id, "ana") >= 1
    assert {vault.wait(g, timeout=20).status for g in ids} <= {"cancelled", "complete"}


def test_one_failing_model_does_not_stop_the_others(vault, fake):
    fake.by_model["fake-model"] = {"status": 400, "message": "no such model"}
    group_id = vault.compare_start("Q", None, [Panel("gpt-4o-mini"), Panel("fake-model")], "ana")
    finals = [vault.wait(g, timeout=20) for g in vault.compare_get(group_id).generation_ids]
    assert [f.status for f in finals] == ["complete", "error"] and "no such model" in finals[1].error


def test_the_budget_admits_all_panels_or_none(vault, fake):
    requests = vault.compare_requests("Q", None, [Panel("gpt-4o-mini", {"max_tokens": 1000})] * 3, "ana")
    one = vault.budgets.worst_case(vault.budgets.config(), requests[0])
    write_budgets(vault, f"[default_user]\ndaily_usd = {one * 2 + one / 2}\n")  # room for 2.5 panels
    with pytest.raises(BudgetExceeded, match="daily budget"):
        vault.compare_start("Q", None, [Panel("gpt-4o-mini", {"max_tokens": 1000})] * 3, "ana")
    assert fake.calls("chat") == 0 and vault.compare_recent("ana") == [] and vault.ledger.held() == []
    group_id = vault.compare_start("Q", None, [Panel("gpt-4o-mini", {"max_tokens": 1000})] * 2, "ana")
    for gen_id in vault.compare_get(group_id).generation_ids:
        vault.wait(gen_id, timeout=20)
    assert fake.calls("chat") == 1  # the second panel is identical: a dedup hit, as any generation


def test_the_rate_limit_must_leave_room_for_every_panel(vault, fake):
    write_budgets(vault, "[default_user]\nrate_per_minute = 3\n")
    with pytest.raises(RateLimited, match="starts 4 generations"):
        vault.compare_start("Q", None, [Panel("gpt-4o-mini"), Panel("gpt-4.1-mini")] * 2, "ana")
    assert fake.calls("chat") == 0


def test_bad_groups_are_refused_before_anything_runs(vault, fake):
    with pytest.raises(BadRequest, match="2 to 6"):
        vault.compare_start("Q", None, [Panel("gpt-4o-mini")], "ana")
    with pytest.raises(BadRequest):
        vault.compare_start("", None, [Panel("gpt-4o-mini")] * 2, "ana")
    assert fake.calls("chat") == 0
