"""Generations in flight, held in memory: the text so far, the status, who is following.

The worker is the only writer of a `LiveGeneration`; readers in any thread take a consistent
snapshot under its lock. The persister asks each one for its unsaved text, so the database lags
memory by at most one flush interval. Nothing here touches the database.
"""
from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Iterator

from ..records import Generation


@dataclass
class Snapshot:
    record: Generation
    token_count: int
    ended: bool


class LiveGeneration:
    def __init__(self, record: Generation, persist_chunks: bool = True):
        self.record = record
        self.persist_chunks = persist_chunks  # followers mirror someone else's text: not theirs to save
        self._parts: list[str] = []
        self._saved_parts = 0
        self._seq = 0  # the last chunk number committed
        self._epoch = 0
        self._oldest_unsaved: float | None = None  # monotonic time of the oldest unsaved piece
        self._arrived_since_take: float | None = None  # ... of the oldest piece not in the flush taken
        self._meta_dirty: dict = {}
        self._changed = threading.Condition()
        # A separate event: waiting for the end must not wake on every token (notify_all per append).
        self._ended = threading.Event()
        self.ended = False
        # The provider is done with it (its final record may still be committing): a batch frees
        # its request slot here rather than after the commit.
        self.received = threading.Event()
        self.cancel_requested = False
        self.stop_reason: str | None = None  # said in the record when something other than a user stops it
        self.stream = None  # the open provider stream, so cancel() can close it
        self.permit = None  # the SendPermit of its pending row's commit (see sendgate)

    def append(self, text: str) -> None:
        with self._changed:
            now = time.monotonic()
            if self._oldest_unsaved is None:
                self._oldest_unsaved = now
            if self._arrived_since_take is None:
                self._arrived_since_take = now
            self._parts.append(text)
            self._changed.notify_all()

    def set_meta(self, **values) -> None:
        """Change record fields; they reach the database at the next flush."""
        with self._changed:
            for name, value in values.items():
                setattr(self.record, name, value)
            self._meta_dirty.update(values)
            self._changed.notify_all()

    def reset_text(self) -> None:
        with self._changed:
            self._parts, self._saved_parts = [], 0
            self._epoch += 1  # a flush taken before the reset must not mark the new text saved
            self._changed.notify_all()

    def take_unsaved(self) -> tuple[tuple | None, dict, tuple]:
        """(chunk row or None, dirty fields, receipt) for the persister. Nothing counts as saved
        until it hands the receipt back to `saved` after its commit: a failed flush is retried from
        where the last successful one ended, so the kept text is always a prefix of what arrived."""
        with self._changed:
            chunk, upto = None, self._saved_parts
            if self.persist_chunks and len(self._parts) > self._saved_parts:
                upto = len(self._parts)
                chunk = (self.record.id, self._seq + 1, "".join(self._parts[self._saved_parts:upto]))
            meta, self._meta_dirty = self._meta_dirty, {}
            self._arrived_since_take = None
            return chunk, meta, (self._epoch, upto, chunk is not None, meta)

    def saved(self, receipt: tuple) -> None:
        """The persister committed what `take_unsaved` gave it."""
        epoch, upto, had_chunk, _ = receipt
        with self._changed:
            if epoch != self._epoch:
                return
            if had_chunk:
                self._saved_parts, self._seq = upto, self._seq + 1
            self._oldest_unsaved = self._arrived_since_take

    def not_saved(self, receipt: tuple) -> None:
        """The commit failed: the text stays unsaved; the fields are dirty again (unless changed since)."""
        meta = receipt[3]
        with self._changed:
            self._meta_dirty = {**meta, **self._meta_dirty}

    def unsaved_chars(self) -> int:
        with self._changed:
            return sum(len(part) for part in self._parts[self._saved_parts:])

    def unsaved_age_s(self) -> float:
        with self._changed:
            return 0.0 if self._oldest_unsaved is None else time.monotonic() - self._oldest_unsaved

    @property
    def text(self) -> str:
        with self._changed:
            return "".join(self._parts)

    def snapshot(self) -> Snapshot:
        with self._changed:
            record = copy.copy(self.record)
            record.result_text = "".join(self._parts)
            return Snapshot(record, len(self._parts), self.ended)

    def mark_ended(self) -> None:
        self.received.set()
        with self._changed:
            self.ended = True
            self._ended.set()
            self._changed.notify_all()

    def wait_ended(self, timeout: float | None) -> bool:
        return self._ended.wait(timeout)

    def wait_for_change(self, seen_parts: int, timeout: float, epoch: int | None = None) -> None:
        """Block until there is text beyond `seen_parts`, the text restarts (its epoch is no longer
        `epoch`), the generation ends, or timeout."""
        with self._changed:
            self._changed.wait_for(lambda: len(self._parts) > seen_parts or self.ended
                                   or (epoch is not None and epoch != self._epoch), timeout)

    def parts_since(self, start: int) -> list[str]:
        with self._changed:
            return self._parts[start:]

    @property
    def epoch(self) -> int:
        """Bumped by `reset_text` (a dedup follower whose original failed answers on its own)."""
        return self._epoch

    def text_since(self, start: int, epoch: int) -> tuple[int, list[str], bool]:
        """(epoch now, the parts after `start`, restarted): when the text was reset since `epoch`,
        all of the new text and restarted=True, so a follower starts its copy again."""
        with self._changed:
            if epoch != self._epoch:
                return self._epoch, self._parts[:], True
            return epoch, self._parts[start:], False


class Restart(str):
    """What `follow` yields when the text starts again: drop what you have. An empty string, so a
    reader that only joins the pieces still works (it keeps the abandoned text in front)."""


RESTART = Restart("")


def follow_text(live: LiveGeneration) -> Iterator[str]:
    """A generation's text as it arrives (all of it so far first) until it ends; RESTART first if
    its text is reset meanwhile."""
    seen, epoch = 0, live.epoch
    while True:
        ended = live.ended  # read before the text: what follows an end is then all there
        epoch, parts, restarted = live.text_since(seen, epoch)
        if restarted:
            seen = 0
            yield RESTART
        if parts:
            seen += len(parts)
            yield "".join(parts)
        if ended:
            return
        live.wait_for_change(seen, 0.5, epoch)


class LiveRegistry:
    """id -> LiveGeneration for this process; thread-safe."""

    def __init__(self):
        self._items: dict[str, LiveGeneration] = {}
        self._lock = threading.Lock()

    def add(self, live: LiveGeneration) -> None:
        with self._lock:
            self._items[live.record.id] = live

    def get(self, gen_id: str) -> LiveGeneration | None:
        with self._lock:
            return self._items.get(gen_id)

    def remove(self, gen_id: str) -> None:
        with self._lock:
            self._items.pop(gen_id, None)

    def all(self) -> list[LiveGeneration]:
        with self._lock:
            return list(self._items.values())

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


class RecentRecords:
    """The last few finished records, so reading one just written costs no query.

    Records are final once ended; only a reprice changes them, and it clears this."""

    def __init__(self, size: int = 512):
        self._items: OrderedDict[str, Generation] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def put(self, gen: Generation) -> None:
        with self._lock:
            self._items[gen.id] = copy.copy(gen)
            self._items.move_to_end(gen.id)
            if len(self._items) > self._size:
                self._items.popitem(last=False)

    def get(self, gen_id: str) -> Generation | None:
        with self._lock:
            gen = self._items.get(gen_id)
            return copy.copy(gen) if gen is not None else None

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
