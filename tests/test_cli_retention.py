"""`python -m genlib prune [--dry-run]`, `delete ID` and `show` of a deleted generation (issue 14)."""
from __future__ import annotations

from datetime import datetime, timedelta

from tests.budget_helpers import seed_spend, write_budgets
from tests.test_cli import cli  # noqa: F401 - the fixture
from tests.vaults import make_vault


def seed_old(data_dir: str, policy: str | None) -> tuple[list[str], str]:
    vault = make_vault(data_dir)
    try:
        old = [seed_spend(vault, "ana", "0.5", datetime.utcnow() - timedelta(days=40 + i), prompt=f"old {i}")
               for i in range(2)]
        new = seed_spend(vault, "ana", "0.25", datetime.utcnow(), prompt="fresh")
        if policy is not None:
            write_budgets(vault, policy)
        return old, new
    finally:
        vault.close()


def test_prune_without_a_policy_deletes_nothing_and_says_how_to_set_one(cli):
    seed_old(cli.data_dir, None)
    assert "No retention policy: add a [retention] table" in cli("prune").stdout


def test_prune_dry_run_then_prune_then_nothing_left(cli):
    old, new = seed_old(cli.data_dir, "[retention]\ndays = 30\n")
    costs = cli("costs").stdout
    dry = cli("prune", "--dry-run").stdout
    assert "would delete 2 generations (10 bytes of text, 0 pictures), created " in dry and "dry run" in dry
    assert "old 0" in cli("show", old[0]).stdout
    assert "deleted 2 generations" in cli("prune").stdout
    shown = cli("show", old[0]).stdout
    assert "deleted" in shown and "by the retention policy" in shown and "old 0" not in shown
    assert "deleted 0 generations" in cli("prune").stdout
    assert cli("costs").stdout == costs
    assert new in cli("list").stdout and old[1] not in cli("list").stdout


def test_delete_one_generation_keeps_its_cost(cli):
    _, new = seed_old(cli.data_dir, None)
    out = cli("delete", new).stdout
    assert "by " in out and "(CLI)" in out and "Its cost ($0.25) stays in the books." in out
    assert "Deleted on" in cli("delete", new).stdout  # again: says it is gone already
    missing = cli("delete", "AAAAAAAAAAAAAAAAAAAAA", check=False)
    assert missing.returncode != 0 and "not found" in missing.stderr and "Traceback" not in missing.stderr
