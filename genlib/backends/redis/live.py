"""The live channel across replicas: this process's generations in memory, mirrored to Redis Streams.

The worker appends text to its `LiveGeneration` as before (no network call per token). A publisher
thread, every `tick_s` (50 ms), adds each live generation's new text to a stream per generation
(`XADD`, one pipelined round trip for all of them), with a header entry naming its user first and
an end entry last; a stream's TTL is refreshed while its replica lives, so a dead replica's
streams vanish by themselves. A follower on any replica reads the stream from its start (the text
so far, then each new piece: `XREAD BLOCK`). Cancel from another replica sets a key that the
owner's publisher checks on each tick. The database stays the record: the stream only mirrors it
for readers, and a page that finds no stream reads the saved row.
"""
from __future__ import annotations

import logging
import threading
from typing import Iterator

from ...faillog import RepeatedFailureLog
from ...ids import looks_like_id
from ...run.live import RESTART, follow_text
from .client import UNREACHABLE, Space

log = logging.getLogger(__name__)
TICK_S = 0.05
STREAM_TTL_S = 30.0  # a stream whose replica stopped refreshing it (dead) is gone after this
KEEP_ENDED_S = 60.0  # an ended stream stays for followers that come late, then the row is the record
CANCEL_TTL_S = 60.0


class RedisLiveChannel:
    def __init__(self, space: Space, tick_s: float = TICK_S, stream_ttl_s: float = STREAM_TTL_S,
                 keep_ended_s: float = KEEP_ENDED_S):
        self.space, self.tick_s = space, tick_s
        self._ttl_ms, self._keep_ms = int(stream_ttl_s * 1000), int(keep_ended_s * 1000)
        self._items: dict[str, object] = {}  # gen id -> LiveGeneration run by this process
        self._sent: dict[str, tuple[int, int]] = {}  # gen id -> (text epoch, its parts already published)
        self._lock = threading.Lock()
        self._publishing = threading.Lock()  # the ticker and `remove` must not send the same text twice
        self._stop = threading.Event()
        self._failures = RepeatedFailureLog(log, "Publishing live text to Redis")
        self._thread = threading.Thread(target=self._run, name="genlib-live-publisher", daemon=True)

    def start(self) -> "RedisLiveChannel":
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    # -- this process's generations --------------------------------------------------------
    def add(self, live) -> None:
        gen_id = live.record.id
        with self._lock:
            self._items[gen_id], self._sent[gen_id] = live, (live.epoch, 0)
        try:
            with self.space.client.pipeline(transaction=False) as pipe:
                pipe.xadd(self._key(gen_id), {"u": live.record.user_id})
                pipe.pexpire(self._key(gen_id), self._ttl_ms)
                pipe.execute()
        except UNREACHABLE as exc:  # followers on this replica still read it in memory
            self._failures.failed(exc)

    def get(self, gen_id: str):
        with self._lock:
            return self._items.get(gen_id)

    def all(self) -> list:
        with self._lock:
            return list(self._items.values())

    def remove(self, gen_id: str) -> None:
        """It ended and its final record is saved: publish the rest and the end, then let go."""
        live = self.get(gen_id)
        if live is not None:
            try:
                self._publish([live], ended={gen_id})
            except UNREACHABLE as exc:
                self._failures.failed(exc)
        with self._lock:
            self._items.pop(gen_id, None)
            self._sent.pop(gen_id, None)

    # -- any replica's generations ---------------------------------------------------------
    def follow(self, gen_id: str) -> Iterator[str]:
        """Its text as it arrives, all of it so far first, until it ends; nothing if not running."""
        live = self.get(gen_id)
        if live is not None:
            yield from follow_text(live)
            return
        if not looks_like_id(gen_id):
            return
        key, last = self._key(gen_id), "0-0"
        try:
            if not self.space.client.exists(key):
                return
            while True:
                answer = self.space.client.xread({key: last}, count=1000, block=1000)
                if not answer:
                    if not self.space.client.exists(key):
                        return  # never ran here, or its replica died and the stream expired
                    continue
                for entry_id, fields in answer[0][1]:
                    last = entry_id
                    if b"reset" in fields:
                        yield RESTART
                    if b"t" in fields:
                        yield fields[b"t"].decode()
                    if b"end" in fields:
                        return
        except UNREACHABLE:
            return  # the page reads the saved row instead

    def cancel(self, gen_id: str, user_id: str | None = None) -> bool:
        """Ask it to stop (partial text kept); False if it is not running (or not user_id's)."""
        live = self.get(gen_id)
        if live is not None:
            return _cancel_local(live, user_id)
        if not looks_like_id(gen_id):
            return False
        key = self._key(gen_id)
        first, last = self.space.client.xrange(key, count=1), self.space.client.xrevrange(key, count=1)
        if not first or b"end" in last[0][1]:
            return False
        if user_id is not None and first[0][1].get(b"u", b"").decode() != user_id:
            return False
        self.space.client.set(self.space.key("cancel", gen_id), "1", px=int(CANCEL_TTL_S * 1000))
        return True

    # -- the publisher ----------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.wait(self.tick_s):
            lives = self.all()
            if not lives:
                continue
            try:
                self._publish(lives, ended={live.record.id for live in lives if live.ended})
                self._failures.succeeded()
            except UNREACHABLE as exc:
                self._failures.failed(exc)

    def _publish(self, lives: list, ended: set[str]) -> None:
        """New text of each, an end entry for those in `ended`, TTLs refreshed; cancels picked up."""
        with self._publishing:
            with self._lock:  # one removed meanwhile has published its end already
                starts = {live.record.id: self._sent[live.record.id] for live in lives
                          if live.record.id in self._sent}
            lives = [live for live in lives if live.record.id in starts]
            if not lives:
                return
            with self.space.client.pipeline(transaction=False) as pipe:
                for live in lives:
                    gen_id = live.record.id
                    epoch, sent = starts[gen_id]
                    epoch, parts, restarted = live.text_since(sent, epoch)
                    if restarted:  # followers drop what they have, then get the new text from its start
                        pipe.xadd(self._key(gen_id), {"reset": "1"})
                        sent = 0
                    if parts:
                        pipe.xadd(self._key(gen_id), {"t": "".join(parts)})
                    starts[gen_id] = (epoch, sent + len(parts))
                    if gen_id in ended:
                        pipe.xadd(self._key(gen_id), {"end": "1"})
                    pipe.pexpire(self._key(gen_id), self._keep_ms if gen_id in ended else self._ttl_ms)
                pipe.mget([self.space.key("cancel", live.record.id) for live in lives])
                cancels = pipe.execute()[-1]
            with self._lock:
                self._sent.update({k: v for k, v in starts.items() if k in self._sent})
        for live, asked in zip(lives, cancels):
            if asked is not None and not live.cancel_requested:
                _cancel_local(live, None)

    def _key(self, gen_id: str) -> str:
        if not looks_like_id(gen_id):
            raise ValueError("not a generation id")
        return self.space.key("live", gen_id)


def _cancel_local(live, user_id: str | None) -> bool:
    if live.ended or (user_id is not None and live.record.user_id != user_id):
        return False
    live.cancel_requested = True
    if live.stream is not None:
        live.stream.close()  # wakes a worker blocked on the next chunk
    return True
