"""Cost aggregates: the rollup the Costs page reads agrees with a scan of every row, always."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import duckdb
import pytest

from genlib import Filters, GenerationRequest
from genlib import reports
from genlib.backends.duckdb import reads
from genlib.backends.duckdb.store import DuckDBStore
from tests.vaults import make_vault


def _mixed_history(vault, fake):
    """Priced, unpriced, cache hit, error, cancelled and image generations by two users."""
    ask = lambda p, m="gpt-4o-mini", **kw: GenerationRequest(p, m, **kw)  # noqa: E731
    fake.enqueue(usage={"prompt_tokens": 1000, "completion_tokens": 300, "cached_tokens": 400,
                        "reasoning_tokens": 100})
    ids = [vault.start(ask("priced"), user_id="ana"), vault.start(ask("local", "fake-model"), user_id="bob")]
    for gen_id in ids:
        vault.wait(gen_id, timeout=10)
    ids.append(vault.start(ask("priced"), user_id="ana"))  # a dedup hit (of her own answer: per user)
    fake.enqueue(status=500)
    ids.append(vault.start(ask("fails"), user_id="ana"))
    ids.append(vault.start(ask("an image", "gpt-image-1", kind="image"), user_id="ana"))
    for gen_id in ids:
        vault.wait(gen_id, timeout=10)
    return ids


def _both_ways(vault, filters, monkeypatch):
    """Costs through the rollup (today's rows folded in, as if the day had closed) and by full scan."""
    vault.persister.flush()  # as the writer does before it folds: no row left in the journal
    vault.store.fold_rollup(until=date.today() + timedelta(days=2))
    assert vault.store.rollup_watermark() == date.today() + timedelta(days=2)
    fast = vault.costs(filters)
    with monkeypatch.context() as m:
        m.setattr(reads, "rollup_where", lambda f: None)  # force the full scan
        slow = vault.costs(filters)
    return fast, slow


@pytest.mark.parametrize("filters", [Filters(), Filters(user_id="ana"), Filters(visible_to="bob")])
def test_rollup_and_full_scan_agree(vault, fake, monkeypatch, filters):
    _mixed_history(vault, fake)
    fast, slow = _both_ways(vault, filters, monkeypatch)
    assert fast.totals == slow.totals
    for name in ("by_day_model", "by_user", "by_model", "tokens_by_day", "savings_by_day"):
        assert fast.frames[name].equals(slow.frames[name]), name


def test_totals_are_exact_and_count_every_kind_of_row(vault, fake):
    ids = _mixed_history(vault, fake)
    gens = [vault.get(i) for i in ids]
    totals = vault.costs().totals
    assert totals["generations"] == 5 and totals["cache_hits"] == 1 and totals["unpriced"] == 1
    assert totals["cost_usd"] == sum(g.cost_usd for g in gens if g.cost_usd is not None)
    assert isinstance(totals["cost_usd"], Decimal) and totals["saved_usd"] == gens[0].cost_usd
    assert totals["tokens"] == sum(g.total_tokens for g in gens)


def test_live_generations_count_before_they_end(vault, fake):
    fake.enqueue(text="slow " * 40, chunks=40, delay=0.05)
    gen_id = vault.start(GenerationRequest("still running", "gpt-4o-mini"), user_id="ana")
    assert vault.costs().totals["generations"] == 1
    vault.wait(gen_id, timeout=10)
    assert vault.costs().totals["generations"] == 1


def test_an_empty_database_has_zero_totals(vault):
    totals = vault.costs().totals
    assert totals == {"generations": 0, "cost_usd": None, "tokens": 0, "saved_usd": 0,
                      "cache_hits": 0, "unpriced": 0, "estimated_tokens": 0}


def test_reprice_and_a_migrated_database_keep_the_rollup_true(tmp_path, fake, monkeypatch):
    vault = make_vault(tmp_path / "data", fake)
    try:
        _mixed_history(vault, fake)
        (tmp_path / "data" / "prices.toml").write_text(
            '[models."fake-model"]\ninput_per_mtok = 1.0\noutput_per_mtok = 2.0\n')
        vault.reprice(apply=True)
        fast, slow = _both_ways(vault, Filters(), monkeypatch)
        assert fast.totals == slow.totals and fast.totals["unpriced"] == 0
        expected = fast.totals
    finally:
        vault.close()
    with duckdb.connect(str(tmp_path / "data" / "genvault.duckdb")) as con:  # as written before the rollup
        con.execute("DROP TABLE cost_daily")
        con.execute("DROP TABLE cost_daily_state")
        con.execute("DROP TABLE generation_starts")
        con.execute("DROP TABLE users")
        con.execute("DELETE FROM _genlib_migrations WHERE version >= 3")
    store = DuckDBStore(tmp_path / "data" / "genvault.duckdb")
    try:
        assert reports.cost_report(store, Filters()).totals == expected
    finally:
        store.close()


def test_folding_is_done_once_and_never_past_a_live_row(vault, fake):
    fake.enqueue(text="slow " * 40, chunks=40, delay=0.05)
    gen_id = vault.start(GenerationRequest("still running", "gpt-4o-mini"), user_id="ana")
    vault.store.fold_rollup(until=date.today() + timedelta(days=2))
    assert vault.store.rollup_watermark() == date.today()  # stopped at the live row's day
    vault.wait(gen_id, timeout=10)
    vault.store.fold_rollup(until=date.today() + timedelta(days=2))
    vault.store.fold_rollup(until=date.today() + timedelta(days=2))  # a second fold adds nothing
    assert vault.costs().totals["generations"] == 1
