"""Comparisons on the team backends (PostgreSQL records, Redis ledger, S3): the group admission is
all or none through the Redis ledger, and a group, its panels and its pick live in PostgreSQL."""
from __future__ import annotations

import pytest

from genlib import BudgetExceeded, Panel
from tests.services import team_urls
from tests.vaults import make_vault


@pytest.fixture
def team_vault(tmp_path, fake, pg_schema, redis_space, s3_bucket):
    vault = make_vault(tmp_path / "data", fake, **team_urls(pg_schema, redis_space, s3_bucket))
    yield vault
    vault.close()


def test_a_group_is_admitted_whole_or_refused_on_the_redis_ledger(team_vault, fake):
    panel = Panel("gpt-4o-mini", {"max_tokens": 1000})
    one = team_vault.budgets.worst_case(team_vault.budgets.config(),
                                        team_vault.compare_requests("Q", None, [panel] * 2, "ana")[0])
    team_vault.save_settings("budgets", f"[default_user]\ndaily_usd = {one * 2 + one / 2}\n",
                             team_vault.settings_document("budgets").version)
    with pytest.raises(BudgetExceeded, match="daily budget"):
        team_vault.compare_start("Q", None, [panel, Panel("gpt-4.1-mini", {"max_tokens": 1000}), panel], "ana")
    assert fake.calls("chat") == 0 and team_vault.ledger.held() == []
    group_id = team_vault.compare_start("Q2", None, [panel, Panel("gpt-4o-mini", {"max_tokens": 999})], "ana")
    ids = team_vault.compare_get(group_id, "ana").generation_ids
    assert [team_vault.wait(g, timeout=30).status for g in ids] == ["complete", "complete"]
    assert team_vault.ledger.held() == [] and fake.calls("chat") == 2
    assert team_vault.compare_pick(group_id, "tie", "ana", "ana").pick == "tie"
