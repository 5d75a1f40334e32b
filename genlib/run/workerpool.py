"""Reusable daemon threads for generations.

A start hands its job to an idle thread instead of starting a new one: starting a thread, and
the GIL hand-offs while it comes up, cost ~0.5 ms on the time to first token. A thread is added
whenever none is idle (generations never queue behind each other), and an idle one exits after
a while. Daemon threads, unlike `ThreadPoolExecutor`'s, never hold up the interpreter's exit.
"""
from __future__ import annotations

import logging
import queue
import threading
from typing import Callable

log = logging.getLogger(__name__)
IDLE_NAME = "genlib-worker-idle"


class WorkerPool:
    def __init__(self, idle_timeout_s: float = 120.0):
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0  # threads waiting for a job that no submit has claimed yet
        self._idle_timeout = idle_timeout_s

    def submit(self, name: str, job: Callable[[], None]) -> None:
        """Run `job` now on a thread named `name` while it runs (for logs and thread dumps)."""
        with self._lock:
            reuse = self._idle > 0
            if reuse:
                self._idle -= 1
        self._jobs.put((name, job))
        if not reuse:
            threading.Thread(target=self._serve, name=name, daemon=True).start()

    def _serve(self) -> None:
        me = threading.current_thread()
        while True:
            try:
                name, job = self._jobs.get(timeout=self._idle_timeout)
            except queue.Empty:
                if self._retire():
                    return
                continue
            me.name = name
            try:
                job()
            except BaseException:  # noqa: BLE001 - a job's own guard logs; never lose the thread silently
                log.exception("worker job %s failed", name)
            job = None  # an idle thread must not keep the job's objects (the Vault, its database) alive
            me.name = IDLE_NAME
            with self._lock:
                self._idle += 1

    def _retire(self) -> bool:
        """After an idle timeout: leave, unless a submit has just counted on this thread."""
        with self._lock:
            if self._idle > 0:
                self._idle -= 1
                return True
            return False
