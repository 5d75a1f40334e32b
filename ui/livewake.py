"""Wake-ups for the live view's event streams: a viewer hears of new text at once, not at a poll.

One daemon thread per live generation follows it through the public `vault.follow` (which
blocks until text arrives) and wakes every viewer subscribed to it; each viewer's stream then
reads the snapshot and sends what changed, at most every TICK_S (ui/livestream.py). So the first
token reaches the browser as soon as it is in memory, while 20 viewers of one generation still
cost one follower thread. The thread ends with the generation.
"""
from __future__ import annotations

import asyncio
import logging
import threading

log = logging.getLogger("genvault.live")


class Wakeups:
    def __init__(self):
        self._lock = threading.Lock()
        self._subscribers: dict[str, set] = {}

    def subscribe(self, vault, gen_id: str) -> tuple:
        """A (loop, asyncio.Event) set whenever the generation's text grows or it ends."""
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            subscribers = self._subscribers.get(gen_id)
            if subscribers is None:
                subscribers = self._subscribers[gen_id] = set()
                threading.Thread(target=self._follow, args=(vault, gen_id, subscribers), daemon=True,
                                 name=f"live-wake-{gen_id[:8]}").start()
            subscribers.add(entry)
        return entry

    def unsubscribe(self, gen_id: str, entry: tuple) -> None:
        with self._lock:
            self._subscribers.get(gen_id, set()).discard(entry)

    def _follow(self, vault, gen_id: str, subscribers: set) -> None:
        try:
            for _ in vault.follow(gen_id):  # the route checked who may see it
                self._wake(subscribers)
        except Exception:  # noqa: BLE001 - the streams still poll at STATS_EVERY_S without us
            log.exception("following %s for the live view failed", gen_id)
        finally:
            with self._lock:
                if self._subscribers.get(gen_id) is subscribers:
                    del self._subscribers[gen_id]
            self._wake(subscribers)

    def _wake(self, subscribers: set) -> None:
        with self._lock:
            entries = list(subscribers)
        for loop, event in entries:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # that viewer's loop has closed (server stopping)
                pass


WAKEUPS = Wakeups()
