"""Is storage usable right now? Read by pages (a notice instead of a traceback) and by `start`.

The record store says so itself when it can (the PostgreSQL circuit breaker's `problem`); the
object store is probed (a small put, read and delete) at most every `IMAGE_PROBE_TTL_S`, so an
image generation is refused before the provider is paid when its picture could not be kept.
"""
from __future__ import annotations

import threading
import time

from ..errors import StorageUnavailable

IMAGE_PROBE_TTL_S = 5.0


class StorageHealth:
    def __init__(self, store, images, ttl_s: float = IMAGE_PROBE_TTL_S):
        self._store, self._images, self._ttl = store, images, ttl_s
        self._lock = threading.Lock()
        self._image_checked = float("-inf")
        self._image_problem: str | None = None

    def problem(self) -> str | None:
        """One readable sentence if the database or the object store can't be used, else None."""
        circuit = getattr(getattr(self._store, "pool", None), "circuit", None)
        if circuit is not None and circuit.problem:
            return circuit.problem
        return self.image_problem()

    def image_problem(self) -> str | None:
        """The object store's probe result, cached for `ttl_s` (stores without a probe: None)."""
        probe = getattr(self._images, "probe", None)
        if probe is None:
            return None
        with self._lock:
            if time.monotonic() - self._image_checked >= self._ttl:
                try:
                    probe()
                    self._image_problem = None
                except StorageUnavailable as exc:
                    self._image_problem = f"{exc} Image generations are refused until it is back."
                self._image_checked = time.monotonic()
            return self._image_problem

    def check_images(self) -> None:
        """Raise StorageUnavailable if a picture could not be stored now (before paying for it)."""
        problem = self.image_problem()
        if problem is not None:
            raise StorageUnavailable(problem)
