"""The Redis live channel: a generation running on one replica is followed and cancelled from another."""
from __future__ import annotations

import threading
import time

import pytest

from tests.backends.pgrecords import record

try:  # the layout before and after the storage seam's move
    from genlib.run.live import LiveGeneration
except ImportError:
    from genlib.live import LiveGeneration


@pytest.fixture
def channels(redis_space):
    from genlib.backends.redis import RedisLiveChannel, Space

    opened = []

    def open_channel(**kwargs):
        opened.append(RedisLiveChannel(Space(redis_space.url, prefix=redis_space.prefix), **kwargs).start())
        return opened[-1]
    yield open_channel
    for channel in opened:
        channel.close()
        channel.space.close()


def _collect(channel, gen_id):
    got, done = [], threading.Event()

    def run():
        for piece in channel.follow(gen_id):
            got.append(piece)
        done.set()
    threading.Thread(target=run, daemon=True).start()
    return got, done


def test_a_generation_on_one_replica_is_followed_from_another_from_its_first_piece(channels):
    a, b = channels(), channels()
    live = LiveGeneration(record("streams on a"))
    a.add(live)
    live.append("Hello")
    while not b.space.client.xlen(b.space.key("live", live.record.id)) > 1:
        time.sleep(0.01)  # "Hello" published before anyone follows: a late follower gets it too
    got, done = _collect(b, live.record.id)
    for piece in (", ", "world", "!"):
        live.append(piece)
        time.sleep(0.02)
    while "".join(got) != "Hello, world!":
        time.sleep(0.01)  # arrives while it still streams
    assert not done.is_set()
    live.mark_ended()
    a.remove(live.record.id)
    assert done.wait(10) and "".join(got) == "Hello, world!"
    assert a.get(live.record.id) is None and a.all() == []


def test_a_restart_on_one_replica_restarts_its_followers_on_another(channels):
    from genlib import RESTART

    a, b = channels(), channels()
    live = LiveGeneration(record("restarts on a"))
    a.add(live)
    live.append("old text")
    while not b.space.client.xlen(b.space.key("live", live.record.id)) > 1:
        time.sleep(0.01)
    got, done = _collect(b, live.record.id)
    while "".join(got) != "old text":
        time.sleep(0.01)
    live.reset_text()
    live.append("new")
    time.sleep(0.1)  # published in a tick of its own: the follower sees the reset before "new"
    live.append(" text")
    live.mark_ended()
    a.remove(live.record.id)
    assert done.wait(10) and RESTART in got
    assert "".join(got[got.index(RESTART) + 1:]) == "new text"


def test_following_on_the_replica_that_runs_it_reads_memory(channels):
    a = channels()
    live = LiveGeneration(record("local"))
    a.add(live)
    live.append("abc")
    got, done = _collect(a, live.record.id)
    live.append("def")
    live.mark_ended()
    assert done.wait(10) and "".join(got) == "abcdef"


def test_nothing_to_follow_when_nothing_runs(channels):
    from genlib.ids import new_id

    b = channels()
    assert list(b.follow(new_id())) == []
    assert list(b.follow("../not-an-id")) == []
    assert b.cancel(new_id()) is False


def test_stop_on_another_replica_stops_it_where_it_runs_for_its_user_only(channels):
    a, b = channels(), channels()
    live = LiveGeneration(record("to be stopped", user="ana"))
    a.add(live)
    live.append("partial")
    assert b.cancel(live.record.id, user_id="bob") is False
    assert b.cancel(live.record.id, user_id="ana") is True
    while not live.cancel_requested:
        time.sleep(0.01)
    assert live.text == "partial"  # the worker ends it; the partial text stays


def test_an_ended_generation_cannot_be_cancelled(channels):
    a, b = channels(), channels()
    live = LiveGeneration(record("done"))
    a.add(live)
    live.mark_ended()
    a.remove(live.record.id)
    assert b.cancel(live.record.id) is False


def test_a_dead_replicas_stream_expires_and_its_followers_stop(channels):
    a, b = channels(stream_ttl_s=2.0), channels()
    live = LiveGeneration(record("replica dies"))
    a.add(live)
    live.append("before")
    got, done = _collect(b, live.record.id)
    while not got:
        time.sleep(0.01)
    a.close()  # stops publishing and refreshing, as a killed replica would
    assert done.wait(15) and got == ["before"]
