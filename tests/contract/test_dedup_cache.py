"""DedupCache contract: one holder per key (atomic claim), finished answers with a TTL, safe release."""
from __future__ import annotations

import threading
import time

from genlib import new_id


def test_the_first_claim_wins_and_later_ones_learn_the_holder(backend):
    a, b = new_id(), new_id()
    assert backend.cache.claim("k", a, 60) is None
    assert backend.cache.claim("k", b, 60) == a
    assert backend.cache.get("k") == a


def test_concurrent_claims_have_exactly_one_winner(backend):
    results, ids = [], [new_id() for _ in range(16)]
    barrier = threading.Barrier(len(ids))

    def claim(gen_id):
        barrier.wait()
        results.append(backend.cache.claim("race", gen_id, 60))
    threads = [threading.Thread(target=claim, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [gen_id for gen_id, got in zip(ids, results) if got is None]
    assert results.count(None) == 1 and len(set(r for r in results if r is not None)) == 1


def test_a_claim_lapses_after_its_ttl(backend):
    a, b = new_id(), new_id()
    assert backend.cache.claim("short", a, 0.05) is None
    time.sleep(0.15)
    assert backend.cache.claim("short", b, 60) is None


def test_a_finished_answer_is_kept_for_its_ttl_and_survives_a_restart(backend):
    a, b = new_id(), new_id()
    backend.cache.claim("q", a, 60)
    backend.cache.put("q", a, 60)
    assert backend.reopen().cache.claim("q", b, 60) == a
    backend.cache.put("brief", a, 0.05)
    time.sleep(0.15)
    assert backend.cache.get("brief") is None


def test_release_only_by_the_holder_and_hold_takes_over(backend):
    a, b = new_id(), new_id()
    backend.cache.claim("k", a, 60)
    backend.cache.release("k", b)
    assert backend.cache.get("k") == a
    backend.cache.hold("k", b, 60)
    assert backend.cache.get("k") == b
    backend.cache.release("k", b)
    assert backend.cache.get("k") is None


def test_forget_drops_every_key_of_unfinished_generations(backend):
    a, b = new_id(), new_id()
    backend.cache.put("done-a", a, 60)
    backend.cache.put("done-b", b, 60)
    assert backend.cache.forget({a}) >= 1
    assert backend.cache.get("done-a") is None and backend.cache.get("done-b") == b
