"""Budgets through `Vault.start`: reservations hold under concurrency, refusals come before any
provider call, reservations are released or corrected at the end, unpriced models follow the file."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from genlib import BudgetExceeded, GenerationRequest, StorageUnavailable
from genlib.budgets.config import BudgetFile
from tests.budget_helpers import seed_spend, text_request, write_budgets

MINI_IN, MINI_OUT = Decimal("0.15"), Decimal("0.6")  # gpt-4o-mini $/MTok in genai-prices 0.2.3


def worst(vault, request) -> Decimal:
    return vault.budgets.worst_case(vault.budgets.config(), request)


def start_all(vault, requests, user="ana"):
    """Start every request at the same moment from its own thread; (ids, refusals)."""
    barrier, ids, refused, lock = threading.Barrier(len(requests)), [], [], threading.Lock()

    def go(request):
        barrier.wait()
        try:
            gen_id = vault.start(request, user)
            with lock:
                ids.append(gen_id)
        except BudgetExceeded as exc:
            with lock:
                refused.append(str(exc))

    threads = [threading.Thread(target=go, args=(r,)) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return ids, refused


def test_twenty_concurrent_requests_against_a_budget_that_fits_five(vault, fake):
    requests = [text_request(i) for i in range(20)]  # same length, so the same worst case
    cost = worst(vault, requests[0])
    assert cost == (1000 * MINI_OUT + 13 * MINI_IN) / 1_000_000  # max_tokens + 10 estimated input x 1.25
    write_budgets(vault, f"[default_user]\ndaily_usd = {cost * 5 + cost / 2}\n")  # 5.5 of them
    fake.default.update(hang=0.5)  # all 20 are in flight together

    ids, refused = start_all(vault, requests)
    for gen_id in ids:
        vault.wait(gen_id, timeout=20)

    assert len(ids) == 5 and len(refused) == 15
    assert fake.calls("chat") == 5
    assert all("daily budget" in r for r in refused)


def test_overall_budget_holds_across_users(vault, fake):
    cost = worst(vault, text_request(0))
    write_budgets(vault, f"[overall]\nmonthly_usd = {cost * 3}\n")
    fake.default.update(hang=0.3)
    ids = []
    for i, user in enumerate(["ana", "bo", "cy"]):
        ids.append(vault.start(text_request(i), user))
    with pytest.raises(BudgetExceeded, match="The overall monthly budget .* is used up .*resets on 1 "):
        vault.start(text_request(9), "dee")
    for gen_id in ids:
        vault.wait(gen_id, timeout=20)
    assert fake.calls("chat") == 3


def test_used_up_budget_refuses_before_any_provider_call_with_a_clear_message(vault, fake):
    seed_spend(vault, "ana", "5.02")
    write_budgets(vault, '[users."Ana"]\ndaily_usd = 5\n')
    with pytest.raises(BudgetExceeded) as err:
        vault.start(text_request(), "ana")
    message = str(err.value)
    assert message.startswith("Your daily budget of $5.00 is used up ($5.02 spent and reserved); "
                              "it resets at 00:00 UTC (in ")
    assert message.endswith("Ask an admin to raise it.")
    assert fake.calls("chat") == 0 and vault.search().items[0].prompt == "seeded"
    vault.wait(vault.start(text_request(), "bo"), timeout=20)  # someone else has no budget


def test_a_request_that_does_not_fit_says_how_much_is_left(vault, fake):
    write_budgets(vault, "[default_user]\nmonthly_usd = 0.001\n")
    with pytest.raises(BudgetExceeded, match=r"could cost up to \$0.0060.*left of your monthly budget"):
        vault.start(text_request(max_tokens=10_000), "ana")
    vault.wait(vault.start(text_request(max_tokens=100), "ana"), timeout=20)
    assert fake.calls("chat") == 1


def test_reservation_is_replaced_by_the_real_cost_when_it_ends(vault, fake):
    write_budgets(vault, "[default_user]\ndaily_usd = 1\n")
    fake.enqueue(usage={"prompt_tokens": 100, "completion_tokens": 200}, hang=0.3)
    gen_id = vault.start(text_request(), "ana")
    [held] = vault.budgets.usage("ana")
    assert held.reserved == worst(vault, text_request()) and held.spent == 0
    gen = vault.wait(gen_id, timeout=20)  # returns once the reservation is settled: no waiting here
    [done] = vault.budgets.usage("ana")
    assert done.reserved == 0 and done.spent == gen.cost_usd == (100 * MINI_IN + 200 * MINI_OUT) / 1_000_000


@pytest.mark.parametrize("failure", ["provider_error", "insert_fails"])
def test_reservation_is_released_on_failure(vault, fake, monkeypatch, failure):
    write_budgets(vault, "[default_user]\ndaily_usd = 1\n")
    if failure == "provider_error":
        fake.enqueue(status=500)
        vault.wait(vault.start(text_request(), "ana"), timeout=20)
    else:
        write_batch = vault.store.write_batch

        def broken(*batch, starts=()):
            if starts:  # the pending row of a new generation
                raise StorageUnavailable("disk gone")
            return write_batch(*batch)
        monkeypatch.setattr(vault.store, "write_batch", broken)
        with pytest.raises(StorageUnavailable):
            vault.start(text_request(), "ana")
        assert fake.calls("chat") == 0  # the worker had started, but nothing left the process
    assert [u.reserved for u in vault.budgets.usage("ana")] == [0]
    assert not vault.ledger.held()


def test_under_a_budget_max_tokens_is_always_sent(vault, fake):
    write_budgets(vault, "default_max_tokens = 512\n[default_user]\ndaily_usd = 1\n")
    gen = vault.wait(vault.start(text_request(max_tokens=None), "ana"), timeout=20)
    assert gen.params["max_tokens"] == 512
    assert fake.requests[-1]["json"]["max_tokens"] == 512  # what the provider received


def test_default_max_tokens_over_the_bound_is_never_sent(vault, fake):
    """An out-of-range default is an invalid file: the last valid one stays in force, and with none,
    generations are refused; nothing over the 1,000,000 a request may ask for goes upstream."""
    write_budgets(vault, "default_max_tokens = 1000000000\n[default_user]\ndaily_usd = 1\n")
    with pytest.raises(BudgetExceeded, match="default_max_tokens must be at most 1,000,000"):
        vault.start(text_request(max_tokens=None), "ana")
    assert fake.calls("chat") == 0
    write_budgets(vault, "default_max_tokens = 700\n[default_user]\ndaily_usd = 1\n")
    vault.wait(vault.start(text_request(1, max_tokens=None), "ana"), timeout=20)
    write_budgets(vault, "default_max_tokens = 1000000000\n[default_user]\ndaily_usd = 1\n")
    gen = vault.wait(vault.start(text_request(2, max_tokens=None), "ana"), timeout=20)
    assert "can't be used" in vault.budgets.file.problem
    assert gen.params["max_tokens"] == 700
    assert [r["json"]["max_tokens"] for r in fake.requests] == [700, 700]


def test_without_a_budgets_file_nothing_changes(vault, fake):
    gen = vault.wait(vault.start(text_request(max_tokens=None), "ana"), timeout=20)
    assert "max_tokens" not in gen.params and vault.budgets.usage("ana") == []


def test_unpriced_models_are_refused_for_users_with_a_budget_naming_the_prices_file(vault, fake):
    write_budgets(vault, '[users."ana"]\ndaily_usd = 1\n')
    with pytest.raises(BudgetExceeded) as err:
        vault.start(text_request(model="fake-model"), "ana")
    assert "'fake-model' has no known price" in str(err.value)
    assert str(vault.settings.resolved_prices_file) in str(err.value)
    assert fake.calls("chat") == 0
    vault.wait(vault.start(text_request(model="fake-model"), "bo"), timeout=20)  # bo has no budget


def test_unpriced_fallback_price_reserves_and_counts(vault, fake):
    write_budgets(vault, "unpriced = { fallback_input_per_mtok = 1, fallback_output_per_mtok = 2 }\n"
                         "[default_user]\ndaily_usd = 1\n")
    request = text_request(model="fake-model")
    assert worst(vault, request) == (13 * 1 + 1000 * 2) / Decimal(1_000_000)
    fake.enqueue(usage={"prompt_tokens": 1000, "completion_tokens": 500})
    gen = vault.wait(vault.start(request, "ana"), timeout=20)
    assert gen.cost_usd is None  # still honestly unpriced in the record...
    [use] = vault.budgets.usage("ana")
    assert use.spent == Decimal("0.002")  # ...but counted at the fallback price


def test_unpriced_allow_runs_uncounted(vault, fake):
    write_budgets(vault, 'unpriced = "allow"\n[default_user]\ndaily_usd = 1\n')
    vault.wait(vault.start(text_request(model="fake-model"), "ana"), timeout=20)
    assert vault.budgets.usage("ana")[0].used == 0


def test_dedup_hits_pass_a_spent_budget_and_reserve_nothing(vault, fake):
    first = vault.wait(vault.start(text_request(), "ana"), timeout=20)
    write_budgets(vault, f"[default_user]\ndaily_usd = {first.cost_usd}\n")
    hit = vault.wait(vault.start(text_request(), "ana"), timeout=20)
    assert hit.cached_from == first.id and fake.calls("chat") == 1
    with pytest.raises(BudgetExceeded, match="used up"):
        vault.start(text_request(1), "ana")


def test_image_worst_case_uses_the_largest_output_per_image(vault):
    one = worst(vault, GenerationRequest("a cat", "gpt-image-1", kind="image"))
    three = worst(vault, GenerationRequest("a cat", "gpt-image-1", kind="image", params={"n": 3}))
    assert Decimal("0.2") < one < Decimal("0.3")  # 6240 image tokens at $40/MTok ~ $0.25
    assert 2.9 * float(one) < float(three) < 3 * float(one)  # the prompt is counted once


def test_a_broken_budgets_file_fails_closed(vault, fake):
    write_budgets(vault, "[default_user]\ndaily_usd = 1\n")
    assert vault.budgets.config().default_user.daily_usd == 1
    write_budgets(vault, "[default_user]\ndaily_usd = -3\n")
    assert vault.budgets.config().default_user.daily_usd == 1  # the last good version stays in force
    assert "default_user.daily_usd must be a number" in vault.budgets.file.problem
    vault.budgets.file = BudgetFile(vault.budgets.file.path)  # as after a restart: no good version
    with pytest.raises(BudgetExceeded, match="can't be used.*paused until an admin fixes it"):
        vault.start(text_request(1), "ana")
    assert fake.calls("chat") == 0


def test_per_user_budgets_follow_the_verified_email_only(vault, fake):
    from genlib import Identity, RateLimited
    write_budgets(vault, '[default_user]\nrate_per_minute = 0\n[users."boss@example.com"]\nrate_per_minute = 50\n')
    boss = vault.sign_in(Identity("https://idp.test", "boss-1", "boss@example.com", True))
    vault.wait(vault.start(text_request(), boss), timeout=20)
    impostor = vault.sign_in(Identity("https://idp.test", "other-2", "boss@example.com", False))
    with pytest.raises(RateLimited, match="limit is 0 generations per minute"):
        vault.start(text_request(1), impostor)
    assert [r.user_id for r in vault.budgets.table()][:-1] == [boss.lower()]  # no extra email row
