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


def test_a_follower_gets_all_the_text_in_order_until_the_end(backend):
    live = LiveGeneration(pending("followed"))
    backend.live.add(live)
    live.append("first ")
    got, started = [], threading.Event()

    def follow():
        for text in backend.live.follow(live.record.id):
            got.append(text)
            started.set()
    reader = threading.Thread(target=follow)
    reader.start()
    assert started.wait(10)
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
