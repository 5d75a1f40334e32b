"""The app's daily prune: a daemon thread that applies the retention policy once a day when one is set.

With several replicas each runs this thread, and the store's `retention_turn` lets one prune at a
time (PostgreSQL: an advisory lock); the next one to look finds nothing left to do. A failed run
is logged and retried at the next tick: a prune is idempotent.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

log = logging.getLogger(__name__)
DAY_S = 24 * 3600.0
FIRST_AFTER_S = 300.0  # not at start-up: replicas starting together, tests and CLIs that exit at once


class DailyPrune:
    def __init__(self, run: Callable[[], object], every_s: float = DAY_S, first_after_s: float = FIRST_AFTER_S):
        self._run, self._every_s, self._first_after_s = run, every_s, first_after_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="genlib-retention", daemon=True)

    def start(self) -> "DailyPrune":
        self._thread.start()
        return self

    def _loop(self) -> None:
        wait = self._first_after_s
        while not self._stop.wait(wait):
            try:
                self._run()
            except Exception as exc:  # noqa: BLE001 - logged; the next day retries
                log.warning("The daily prune failed: %s", exc)
            wait = self._every_s

    def stop(self) -> None:
        """Wakes the thread; a prune in progress finishes its batch (joined for at most 2 s)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
