"""An identical request in flight on another replica, followed like a local one.

Single flight across replicas: the dedup claim (shared) names the holder; when it runs elsewhere,
its text comes through the live channel (`LiveChannel.follow`). `remote_original` mirrors that into
a `LiveGeneration` the worker follows as it follows a local original; when the holder ends, the
worker reads its saved record (a copy if complete, else a call of its own, as locally).
"""
from __future__ import annotations

import threading
from dataclasses import replace

from ..records import Generation
from .live import LiveGeneration, Restart


def remote_original(registry, holder_id: str, record: Generation, holder_user: str) -> LiveGeneration:
    """A mirror of generation `holder_id` (run by another process), fed by a daemon thread until it
    ends; it has no text and ends at once if nothing runs it any more (a dead replica's claim)."""
    mirror = LiveGeneration(replace(record, id=holder_id, user_id=holder_user), persist_chunks=False)

    def pump() -> None:
        try:
            for piece in registry.follow(holder_id):
                if isinstance(piece, Restart):
                    mirror.reset_text()
                else:
                    mirror.append(piece)
        finally:
            mirror.mark_ended()
    threading.Thread(target=pump, name=f"genlib-mirror-{holder_id}", daemon=True).start()
    return mirror
