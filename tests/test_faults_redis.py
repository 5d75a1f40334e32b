"""Redis cut (a TCP proxy; the shared server keeps running): a replica degrades to single-replica
behaviour (no cross-replica dedup claim, live text followed locally), budgets fail closed, and
everything is back once Redis is."""
from __future__ import annotations

import pytest

from genlib import BudgetExceeded, GenerationRequest
from tests.faults import proxied, until
from tests.vaults import make_vault

WORDS = [f"w{i:03d} " for i in range(40)]


def test_redis_lost_degrades_to_one_replica_and_budgets_fail_closed(redis_space, tmp_path, fake):
    url, proxy = proxied(redis_space.url, 6379)
    budgets = tmp_path / "budgets.toml"
    budgets.write_text("[users.ana]\ndaily_usd = 5\n")
    vault = make_vault(tmp_path / "data", fake, budgets_file=budgets,
                       redis_url=f"{url}{'&' if '?' in url else '?'}prefix={redis_space.prefix}")
    bounded = GenerationRequest("under a budget", "gpt-4o-mini", params={"max_tokens": 100})
    try:
        proxy.cut()
        with pytest.raises(BudgetExceeded, match="Redis"):
            vault.start(bounded, "ana")
        assert fake.calls("chat") == 0
        # bo has no budget: his start goes through, streamed and followed on this replica alone.
        fake.default.update(dict(text="".join(WORDS), chunks=len(WORDS), delay=0.02))
        free = vault.start(GenerationRequest("no budget", "gpt-4o-mini"), "bo")
        assert "".join(vault.follow(free)) == "".join(WORDS)
        assert vault.wait(free, timeout=20).status == "complete"
        proxy.restore()

        def admitted():
            try:
                return vault.start(bounded, "ana")
            except BudgetExceeded:
                return None
        gen_id = until(admitted, timeout=30, every=0.5)
        assert gen_id and vault.wait(gen_id, timeout=20).status == "complete"
    finally:
        proxy.restore()
        vault.close()
        proxy.stop()
