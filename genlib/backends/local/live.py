"""The embedded live channel (`LiveChannel` in backends/base.py): generations in flight in this process.

The worker appends text straight to each `LiveGeneration` (no indirection per piece); readers in
any thread follow it under its lock. A channel across replicas would also publish the pieces (e.g.
a Redis stream) and let `follow`/`cancel` reach a generation another process runs.
"""
from __future__ import annotations

from typing import Iterator

from ...run.live import LiveRegistry, follow_text


class LocalLiveChannel(LiveRegistry):
    """id -> LiveGeneration for this process (LiveRegistry), plus following and cancelling."""

    def follow(self, gen_id: str) -> Iterator[str]:
        live = self.get(gen_id)
        if live is not None:
            yield from follow_text(live)

    def cancel(self, gen_id: str, user_id: str | None = None) -> bool:
        live = self.get(gen_id)
        if live is None or live.ended or (user_id is not None and live.record.user_id != user_id):
            return False
        live.cancel_requested = True
        if live.stream is not None:
            live.stream.close()  # wakes a worker blocked on the next chunk
        return True
