"""Riding out a database outage: live text stays in memory (the persister retries it each tick).
Bounds per process: a generation unsaved for `max_unsaved_s` (5 min), or all live text unsaved
past `max_unsaved_chars` (32 Mi characters), is stopped with its text and a log line; a final record
the database refuses is retried every `every_s` for `keep_final_s` (1 h), then dropped with an ERROR.
"""
from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger(__name__)
MAX_UNSAVED_S = 300.0
MAX_UNSAVED_CHARS = 32 * 1024 * 1024
KEEP_FINAL_S = 3600.0


class OutageKeeper:
    def __init__(self, writer, registry, *, max_unsaved_s: float = MAX_UNSAVED_S,
                 max_unsaved_chars: int = MAX_UNSAVED_CHARS, keep_final_s: float = KEEP_FINAL_S,
                 every_s: float = 1.0):
        self._writer, self._registry = writer, registry  # the persister; the live channel
        self.max_unsaved_s, self.max_unsaved_chars = max_unsaved_s, max_unsaved_chars
        self.keep_final_s, self._every = keep_final_s, every_s
        self._finals: dict[str, tuple] = {}  # id -> (final record, give up at, on_saved)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="genlib-outage", daemon=True)
        self._thread.start()

    def keep(self, final, on_saved=lambda: None) -> None:
        """Hold a final record the database refused; it is retried until saved or `keep_final_s`."""
        log.warning("generation %s: the database is unreachable; its final record (%d characters) is "
                    "kept in memory and saved when it is back (for up to %d s)",
                    final.id, len(final.result_text or ""), self.keep_final_s)
        with self._lock:
            self._finals[final.id] = (final, time.monotonic() + self.keep_final_s, on_saved)

    def waiting(self) -> list[str]:
        with self._lock:
            return list(self._finals)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self._retry_finals()
            self._bound_streams()

    def _retry_finals(self) -> None:
        with self._lock:
            kept = list(self._finals.values())
        for final, give_up_at, on_saved in kept:
            try:
                self._writer.finish(final)
            except Exception:  # noqa: BLE001 - still down: keep it, unless held too long
                if time.monotonic() >= give_up_at:
                    log.error("generation %s: final record dropped after %d s without the database "
                              "(%d characters not saved beyond the streamed text)",
                              final.id, self.keep_final_s, len(final.result_text or ""))
                    self._forget(final.id)
                continue
            log.warning("generation %s: final record saved after the outage", final.id)
            self._forget(final.id)
            on_saved()

    def _forget(self, gen_id: str) -> None:
        with self._lock:
            self._finals.pop(gen_id, None)
        self._registry.remove(gen_id)

    def _bound_streams(self) -> None:
        """Stop generations past the bound: the text they have is kept (in memory until saved)."""
        live = [g for g in self._registry.all() if not g.ended and not g.cancel_requested]
        total = sum(g.unsaved_chars() for g in live)
        for gen in live:
            age = gen.unsaved_age_s()
            if age >= self.max_unsaved_s or total > self.max_unsaved_chars:
                log.error("generation %s stopped: its text could not be saved for %.0f s (%d characters "
                          "unsaved in this process; bounds %d s, %d characters); the text it has is "
                          "kept and saved when the database is back", gen.record.id, age, total,
                          self.max_unsaved_s, self.max_unsaved_chars)
                gen.stop_reason = (f"Stopped: the database could not be reached for {age:.0f} s; the text "
                                   "that had arrived is kept.")
                self._registry.cancel(gen.record.id)
