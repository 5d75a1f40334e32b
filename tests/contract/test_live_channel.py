"""LiveChannel contract: a running generation's text can be followed as it arrives, and cancelled."""
from __future__ import annotations

import threading

from genlib.run.live import LiveGeneration
from tests.contract.records import pending


def test_add_get_all_remove(backend):
    live = LiveGeneration(pending("running"))
    backend.live.add(live)
    assert backend.live.get(live.record.id) is live and live in backend.live.all()
    backend.live.remove(live.record.id)
    assert backend.live.get(live.record.id) is None and backend.live.all() == []


def follow_in_thread(backend, gen_id: str):
    """(the pieces so far, the reading thread), once the first piece has arrived."""
    got, started = [], threading.Event()

    def follow():
        for text in backend.live.follow(gen_id):
            got.append(text)
            started.set()
    reader = threading.Thread(target=follow)
    reader.start()
    assert started.wait(10)
    return got, reader


def test_a_follower_gets_all_the_text_in_order_until_the_end(backend):
    live = LiveGeneration(pending("followed"))
    backend.live.add(live)
    live.append("first ")
    got, reader = follow_in_thread(backend, live.record.id)
    for piece in ("second ", "third"):
        live.append(piece)
    live.mark_ended()
    reader.join(10)
    assert not reader.is_alive() and "".join(got) == "first second third"
    assert list(backend.live.follow("not-running")) == []


def test_cancel_reaches_the_generation_only_for_its_owner(backend):
    live = LiveGeneration(pending("stop me", user="ana"))
    backend.live.add(live)
    assert backend.live.cancel(live.record.id, "bob") is False and not live.cancel_requested
    assert backend.live.cancel(live.record.id, "ana") is True and live.cancel_requested
    live.mark_ended()
    assert backend.live.cancel(live.record.id) is False
    assert backend.live.cancel("unknown") is False


def test_a_restarted_text_tells_its_follower_to_start_again(backend):
    from genlib import RESTART

    live = LiveGeneration(pending("restarted"))
    backend.live.add(live)
    live.append("the failed original's text")
    got, reader = follow_in_thread(backend, live.record.id)
    live.reset_text()
    live.append("its own ")
    live.append("answer")
    live.mark_ended()
    reader.join(10)
    assert not reader.is_alive() and RESTART in got
    after = got[len(got) - 1 - got[::-1].index(RESTART) + 1:]
    assert "".join(after) == "its own answer" and got[0] == "the failed original's text"
