"""The Redis dedup cache: one winner among identical requests on several processes, a real TTL,
compare-and-delete, and a lost Redis that degrades to no dedup instead of failing starts."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from genlib.ids import new_id

ROOT = Path(__file__).resolve().parents[2]
KEY = "ab" * 32


@pytest.fixture
def cache(redis_space):
    from genlib.backends.redis import RedisDedupCache, Space

    space = Space(redis_space.url, prefix=redis_space.prefix)
    yield RedisDedupCache(space)
    space.close()


def test_identical_requests_started_together_in_several_processes_have_one_winner(redis_space, tmp_path):
    code = ("import sys, time\nfrom pathlib import Path\n"
            "from genlib.backends.redis import RedisDedupCache, Space\nfrom genlib.ids import new_id\n"
            "cache = RedisDedupCache(Space(sys.argv[1], prefix=sys.argv[2]))\ncache.get('00')\n"
            "gen_id = new_id()\nPath(sys.argv[4]).touch()\n"
            "while not Path(sys.argv[3]).exists(): time.sleep(0.001)\n"
            "print(gen_id, cache.claim('" + KEY + "', gen_id, 60))\n")
    go, ready = tmp_path / "go", [tmp_path / f"ready-{n}" for n in range(4)]
    children = [subprocess.Popen([sys.executable, "-c", code, redis_space.url, redis_space.prefix, str(go), str(r)],
                                 cwd=ROOT, stdout=subprocess.PIPE, text=True) for r in ready]
    while not all(r.exists() for r in ready) and all(c.poll() is None for c in children):
        time.sleep(0.01)
    go.touch()
    answers = [child.communicate(timeout=60)[0].split() for child in children]
    winners = [gen_id for gen_id, holder in answers if holder == "None"]
    assert len(winners) == 1
    assert all(holder == winners[0] for gen_id, holder in answers if gen_id != winners[0])


def test_a_claim_expires_by_itself(cache, redis_space):
    first, second = new_id(), new_id()
    assert cache.claim(KEY, first, ttl_s=2) is None
    assert 0 < cache.space.client.pttl(cache.space.key("dedup", KEY)) <= 2000
    assert cache.claim(KEY, second, ttl_s=60) == first
    while cache.get(KEY) == first:
        time.sleep(0.02)
    assert cache.claim(KEY, second, ttl_s=60) is None


def test_put_answers_for_its_ttl_and_release_drops_only_its_own_holder(cache):
    running, finished = new_id(), new_id()
    assert cache.claim(KEY, running, 60) is None
    cache.put(KEY, finished, 3600)
    assert cache.get(KEY) == finished
    assert 3_500_000 < cache.space.client.pttl(cache.space.key("dedup", KEY)) <= 3_600_000
    cache.release(KEY, running)  # no longer the holder: nothing dropped
    assert cache.get(KEY) == finished
    cache.release(KEY, finished)
    assert cache.get(KEY) is None


def test_hold_replaces_the_holder(cache):
    stale, forced = new_id(), new_id()
    cache.claim(KEY, stale, 60)
    cache.hold(KEY, forced, 30)
    assert cache.get(KEY) == forced and cache.claim(KEY, new_id(), 60) == forced
    assert 29_000 < cache.space.client.pttl(cache.space.key("dedup", KEY)) <= 30_000


def test_forget_drops_the_keys_of_generations_that_never_finished(cache):
    dead, alive, other_key = new_id(), new_id(), "cd" * 32
    cache.claim(KEY, dead, 60)
    cache.claim(other_key, alive, 60)
    assert cache.forget({dead, new_id()}) == 1
    assert cache.get(KEY) is None and cache.get(other_key) == alive
    cache.hold(KEY, alive)  # the key moved on to another generation: forgetting `dead` leaves it
    assert cache.forget({dead}) == 0 and cache.get(KEY) == alive


def test_keys_live_under_the_deployments_prefix_and_absurd_ones_are_refused(cache):
    gen_id = new_id()
    cache.put("../x:y", gen_id, 60)
    assert cache.space.client.get(cache.space.key("dedup", "../x:y")).decode() == gen_id
    for bad in ("", "k" * 257, None):
        with pytest.raises(ValueError):
            cache.get(bad)


def test_a_lost_redis_means_no_dedup_not_failed_starts(caplog):
    from genlib.backends.redis import RedisDedupCache, Space

    cache = RedisDedupCache(Space("redis://127.0.0.1:1/0"))
    assert cache.claim(KEY, new_id(), 60) is None  # granted: the request pays for its own call
    assert cache.get(KEY) is None
    cache.put(KEY, new_id(), 60)
    assert cache.forget({new_id()}) == 0
    assert "dedup cache" in caplog.text
