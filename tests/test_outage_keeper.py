"""OutageKeeper alone (no database): the unsaved-text bound stops generations with a reason, a kept
final record is saved once the writer works again, and dropped (one ERROR line) past its hour."""
from __future__ import annotations

import logging

from genlib import GenerationRequest, StorageUnavailable
from genlib.clock import utcnow
from genlib.conversation import new_record
from genlib.run.live import LiveGeneration
from genlib.run.outage import OutageKeeper
from tests.faults import until


class Registry:
    def __init__(self, lives):
        self.lives, self.cancelled, self.removed = {g.record.id: g for g in lives}, [], []

    def all(self):
        return list(self.lives.values())

    def cancel(self, gen_id):
        self.cancelled.append(gen_id)
        self.lives[gen_id].cancel_requested = True

    def remove(self, gen_id):
        self.removed.append(gen_id)


class Writer:
    def __init__(self):
        self.down, self.saved = True, []

    def finish(self, gen, timeout=30.0):
        if self.down:
            raise StorageUnavailable("The database can't be reached (cut).")
        self.saved.append(gen.id)


def _live(text: str) -> LiveGeneration:
    live = LiveGeneration(new_record(GenerationRequest(text[:10], "gpt-4o-mini"), "ana", "h", "", utcnow()))
    live.append(text)
    return live


def test_past_the_unsaved_characters_bound_every_live_generation_is_stopped_with_a_reason(caplog):
    small, big = _live("x" * 10), _live("y" * 100)
    registry = Registry([small, big])
    keeper = OutageKeeper(Writer(), registry, max_unsaved_chars=50, every_s=0.05)
    try:
        assert until(lambda: len(registry.cancelled) == 2, timeout=5)
        assert "database could not be reached" in big.stop_reason
        assert "110 characters unsaved" in caplog.text
    finally:
        keeper.stop()


def test_under_the_bounds_nothing_is_stopped():
    registry = Registry([_live("z" * 10)])
    keeper = OutageKeeper(Writer(), registry, max_unsaved_chars=50, every_s=0.05)
    try:
        assert not until(lambda: registry.cancelled, timeout=0.5)
    finally:
        keeper.stop()


def test_a_kept_final_is_saved_on_recovery_or_dropped_past_its_time(caplog):
    caplog.set_level(logging.WARNING, logger="genlib")
    writer = Writer()
    registry = Registry([])
    keeper = OutageKeeper(writer, registry, keep_final_s=60, every_s=0.05)
    try:
        saved, dropped = _live("saved").snapshot().record, _live("dropped").snapshot().record
        keeper.keep(saved)
        keeper.keep_final_s = 0.2
        keeper.keep(dropped)
        assert until(lambda: keeper.waiting() == [saved.id], timeout=5)
        assert f"generation {dropped.id}: final record dropped" in caplog.text
        writer.down = False
        assert until(lambda: writer.saved == [saved.id], timeout=5) and keeper.waiting() == []
        assert set(registry.removed) == {saved.id, dropped.id}
    finally:
        keeper.stop()
