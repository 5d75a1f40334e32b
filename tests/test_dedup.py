"""The dedup cache: identical requests never pay twice, whether finished or still in flight."""
from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from genlib import Filters, GenerationRequest
from genlib.dedup import SHARED_HIT, dedup_key
from genlib.cli import main as cli_main
from tests.vaults import make_vault



def ask(prompt="same question", model="gpt-4o-mini", **params):
    return GenerationRequest(prompt=prompt, model=model, params=params)


def test_key_is_stable_under_param_order_and_sensitive_to_every_input():
    base = dedup_key(ask(temperature=0.5, max_tokens=10), "h")
    assert base == dedup_key(ask(max_tokens=10, temperature=0.5), "h")
    variants = [ask(temperature=0.6, max_tokens=10), ask("other", temperature=0.5, max_tokens=10),
                ask(model="gpt-4.1-mini", temperature=0.5, max_tokens=10),
                GenerationRequest("same question", "gpt-4o-mini", system_prompt="be brief",
                                  params={"temperature": 0.5, "max_tokens": 10}),
                GenerationRequest("same question", "gpt-4o-mini", kind="image",
                                  params={"temperature": 0.5, "max_tokens": 10}),
                GenerationRequest("same question", "gpt-4o-mini", params={"temperature": 0.5, "max_tokens": 10},
                                  history=({"role": "user", "content": "earlier"},))]
    keys = {dedup_key(v, "h") for v in variants} | {dedup_key(ask(temperature=0.5, max_tokens=10), "other-host")}
    assert base not in keys and len(keys) == len(variants) + 1


def test_a_hit_makes_no_call_and_is_its_own_record_linked_to_the_original(vault, fake):
    first = vault.wait(vault.start(ask(), user_id="ana"), timeout=10)
    hit = vault.wait(vault.start(ask(), user_id="ana"), timeout=10)
    assert fake.calls("chat") == 1
    assert hit.id != first.id and hit.cached_from == first.id and hit.response_id == first.response_id
    assert hit.result_text == first.result_text and hit.status == "complete"
    assert hit.cost_usd == 0 and hit.cost_saved_usd == first.cost_usd and first.cost_usd > 0
    totals = vault.costs().totals
    assert totals["cache_hits"] == 1 and totals["saved_usd"] == first.cost_usd


def test_force_bypasses_the_cache_and_becomes_the_new_cached_answer(vault, fake):
    first = vault.wait(vault.start(ask(), user_id="ana"), timeout=10)
    forced = vault.wait(vault.start(ask(), user_id="ana", force=True, regenerated_from=first.id), timeout=10)
    assert fake.calls("chat") == 2 and forced.cached_from is None and forced.regenerated_from == first.id
    hit = vault.wait(vault.start(ask(), user_id="ana"), timeout=10)
    assert hit.cached_from == forced.id and fake.calls("chat") == 2


def test_failed_generations_are_never_served_from_the_cache(vault, fake):
    fake.enqueue(status=500)
    failed = vault.wait(vault.start(ask(), user_id="ana"), timeout=10)
    retry = vault.wait(vault.start(ask(), user_id="ana"), timeout=10)
    assert failed.status == "error" and retry.status == "complete" and retry.cached_from is None


def test_entries_expire_after_the_ttl(tmp_path, fake):
    v = make_vault(tmp_path / "data", fake, cache_ttl_s=0.3)
    try:
        v.wait(v.start(ask(), user_id="ana"), timeout=10)
        import time
        time.sleep(0.5)
        again = v.wait(v.start(ask(), user_id="ana"), timeout=10)
        assert again.cached_from is None and fake.calls("chat") == 2
    finally:
        v.close()


def test_identical_requests_in_flight_are_coalesced_into_one_call(vault, fake):
    fake.enqueue(text="shared answer arriving slowly", chunks=8, delay=0.05)
    barrier = threading.Barrier(4)

    def start(user):
        barrier.wait()
        return vault.start(ask("coalesce me"), user_id=user)

    with ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(start, ["ana"] * 4))
    finals = [vault.wait(i, timeout=10) for i in ids]
    assert fake.calls("chat") == 1
    assert {f.result_text for f in finals} == {"shared answer arriving slowly"}
    payers = [f for f in finals if f.cached_from is None]
    assert len(payers) == 1 and all(f.cached_from == payers[0].id for f in finals if f is not payers[0])
    assert all(f.cost_usd == 0 and f.cost_saved_usd == payers[0].cost_usd for f in finals if f is not payers[0])


def test_a_follower_pays_for_itself_when_the_original_fails(vault, fake):
    fake.enqueue(text="one two three four", chunks=4, delay=0.05, drop_after=2)
    first = vault.start(ask("fragile"), user_id="ana")
    follower = vault.start(ask("fragile"), user_id="ana")
    assert vault.wait(first, timeout=10).status == "error"
    final = vault.wait(follower, timeout=10)
    assert final.status == "complete" and final.cached_from is None and fake.calls("chat") == 2


def test_by_default_another_users_identical_request_is_never_answered_from_yours(vault, fake):
    first = vault.wait(vault.start(ask("what ana asked"), user_id="ana"), timeout=10)
    other = vault.wait(vault.start(ask("what ana asked"), user_id="bob"), timeout=10)
    assert fake.calls("chat") == 2 and other.cached_from is None and other.cost_saved_usd is None
    fake.enqueue(text="slow answer", chunks=8, delay=0.05)  # nor does bob follow ana's call in flight
    in_flight = vault.start(ask("asked twice"), user_id="ana")
    bobs = vault.wait(vault.start(ask("asked twice"), user_id="bob"), timeout=10)
    assert fake.calls("chat") == 4 and bobs.cached_from is None and vault.wait(in_flight, 10).cached_from is None
    assert first.dedup_key != other.dedup_key


def shared_vault(tmp_path, fake):
    return make_vault(tmp_path / "data", fake, dedup_scope="shared")


def nothing_of(theirs, record: dict) -> None:
    """No id, response id or file of `theirs` anywhere in another user's record."""
    text = json.dumps(record)
    assert theirs.id not in text and (theirs.response_id is None or theirs.response_id not in text)


def test_a_shared_cache_gives_another_user_the_answer_and_nothing_of_the_record(tmp_path, fake, capsys):
    vault = shared_vault(tmp_path, fake)
    try:
        first = vault.wait(vault.start(ask("team question"), user_id="ana"), timeout=10)
        hit = vault.wait(vault.start(ask("team question"), user_id="bob"), timeout=10)
        assert fake.calls("chat") == 1 and first.response_id
        assert hit.result_text == first.result_text and hit.cached_from == SHARED_HIT and hit.response_id is None
        assert hit.cost_usd == 0 and hit.cost_saved_usd == first.cost_usd
        assert hit.created_utc >= first.finished_utc  # its times are its own
        nothing_of(first, hit.to_dict())
        own = vault.wait(vault.start(ask("team question"), user_id="ana"), timeout=10)
        assert own.cached_from == first.id  # within one user the hit still links to the original
        vault.export(tmp_path / "bob.jsonl", "jsonl", Filters(visible_to="bob"))
        nothing_of(first, json.loads((tmp_path / "bob.jsonl").read_text()))
        assert vault.costs().totals["cache_hits"] == 2
    finally:
        vault.close()
    assert cli_main(["show", hit.id, "--json"]) == 0
    nothing_of(first, json.loads(capsys.readouterr().out))


def test_a_shared_cache_follower_of_another_users_call_in_flight_records_nothing_of_it(tmp_path, fake):
    vault = shared_vault(tmp_path, fake)
    try:
        fake.enqueue(text="one answer for the team", chunks=8, delay=0.05)
        first = vault.start(ask("asked by two"), user_id="ana")
        follower = vault.wait(vault.start(ask("asked by two"), user_id="bob"), timeout=10)
        first = vault.wait(first, timeout=10)
        assert fake.calls("chat") == 1 and follower.result_text == "one answer for the team"
        assert follower.cached_from == SHARED_HIT and follower.response_id is None
        nothing_of(first, follower.to_dict())
    finally:
        vault.close()


def test_a_shared_image_hit_gets_its_own_copies_of_the_files(tmp_path, fake):
    vault = shared_vault(tmp_path, fake)
    request = GenerationRequest("a team logo", "gpt-image-1", kind="image", params={"size": "256x256"})
    try:
        first = vault.wait(vault.start(request, user_id="ana"), timeout=10)
        hit = vault.wait(vault.start(request, user_id="bob"), timeout=10)
        assert fake.calls("images") == 1 and hit.cached_from == SHARED_HIT and len(hit.images) == 1
        nothing_of(first, hit.to_dict())
        mine, theirs = (vault.image_file(g.images[0]["path"]) for g in (hit, first))
        assert mine != theirs and mine.read_bytes() == theirs.read_bytes()
        assert vault.image_file(hit.images[0]["thumb"]).is_file()
    finally:
        vault.close()
