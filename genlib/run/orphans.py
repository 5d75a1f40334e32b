"""The orphan watch: the sweep at start and close (run/sweep.py), and a running process's periodic
look for generations a dead neighbour left live.

With a shared database, a replica killed mid-stream leaves rows whose lease expires 30 s later; a
surviving replica claims them (`RecordStore.claim_orphans(own=False)`, each row to one claimant)
and ends them as the start-up sweep does, partial text kept. The embedded store has none to give.
"""
from __future__ import annotations

import logging
import threading

from ..faillog import RepeatedFailureLog
from .sweep import sweep_interrupted

log = logging.getLogger(__name__)
EVERY_S = 5.0  # + the 30 s lease: a dead replica's rows end within 35 s of its last renewal


class OrphanWatch:
    def __init__(self, store, images, cache, pricer, every_s: float = EVERY_S):
        self._parts = (store, images, cache, pricer)
        self.every_s, self.claimed = every_s, 0
        self._failures = RepeatedFailureLog(log, "claiming a dead replica's generations")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="genlib-orphans", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.check()

    def check(self) -> int:
        """One look; how many records it ended (a failure is logged, the next tick tries again)."""
        try:
            found = sweep_interrupted(*self._parts, own=False)
        except Exception as exc:  # noqa: BLE001 - a database outage must not end the watch
            self._failures.failed(exc)
            return 0
        self._failures.succeeded()
        self.claimed += found
        return found

    def sweep(self) -> int:
        """End every record left live, this process's own included (start-up); how many."""
        return sweep_interrupted(*self._parts, own=True)

    def stop_and_sweep(self) -> int:
        """At close: no more looks, then this process's own live records end as `interrupted`."""
        self._stop.set()
        self._thread.join(timeout=30)
        return self.sweep()
