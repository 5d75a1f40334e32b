"""CompareStore contract (reached through RecordStore.comparisons()): groups are durable, read back
whole, filter by user and date, and the pick is a compare-and-set that one of racing pickers wins."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

from genlib import TIE, CompareGroup, Panel, new_id

T0 = datetime(2026, 11, 2, 9, 30)


def make(user="ana", minutes=0, blind=False) -> CompareGroup:
    panels = (Panel("gpt-4o-mini", {"temperature": 0.2}, new_id()), Panel("gpt-4.1-mini", {}, new_id()))
    return CompareGroup(new_id(), user, T0 + timedelta(minutes=minutes), "Which is better? ünï\U0001F600",
                        "be brief", panels, blind)


def test_a_group_reads_back_whole_after_a_reopen(backend):
    group = make(blind=True)
    backend.store.comparisons().create(group)
    assert backend.reopen().store.comparisons().get(group.id) == group
    assert backend.store.comparisons().get(new_id()) is None


def test_recent_filters_by_user_and_dates_newest_first(backend):
    store = backend.store.comparisons()
    a1, b1, a2 = make("ana", 0), make("bob", 1), make("ana", 60 * 24)
    for g in (a1, b1, a2):
        store.create(g)
    assert [g.id for g in store.recent(None, None, None, 10)] == [a2.id, b1.id, a1.id]
    assert [g.id for g in store.recent("ana", None, None, 10)] == [a2.id, a1.id]
    assert [g.id for g in store.recent(None, T0, T0 + timedelta(hours=1), 10)] == [b1.id, a1.id]
    assert [g.id for g in store.recent(None, None, None, 1)] == [a2.id]


def test_the_pick_is_saved_once(backend):
    store = backend.store.comparisons()
    group = make()
    store.create(group)
    assert store.pick(group.id, "1", "ana", T0) is True
    assert store.pick(group.id, TIE, "ana", T0) is False
    assert store.get(group.id) == group.picked("1", "ana", T0)


def test_racing_picks_save_exactly_one(backend):
    store = backend.store.comparisons()
    group = make()
    store.create(group)
    results, barrier = [], threading.Barrier(6)

    def pick(choice):
        barrier.wait()
        results.append((choice, store.pick(group.id, choice, "ana", T0)))
    threads = [threading.Thread(target=pick, args=(c,)) for c in ("0", "1", TIE) * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    winners = [c for c, ok in results if ok]
    assert len(winners) == 1 and store.get(group.id).pick == winners[0]


def test_a_panel_finds_its_group(backend):
    store = backend.store.comparisons()
    first, second = make(), make()
    for g in (first, second):
        store.create(g)
    assert store.of_generation(second.panels[1].generation_id) == second
    assert store.of_generation(first.panels[0].generation_id) == first
    assert store.of_generation(new_id()) is None
