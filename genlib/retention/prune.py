"""Pruning: old generations become tombstones, their pictures and cache keys go after the commit.

Crash-safe by order: each batch's tombstones and blanked rows commit in one transaction; only then
are the pictures deleted, the dedup keys dropped and the tombstone marked clean (`swept`). A run
killed in between leaves tombstones `unswept`, and every run starts by finishing those. Nothing is
ever half-deleted: a record is either whole or a tombstone whose cost is still in the books.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Sequence

from ..clock import utcnow
from ..tombstone import RETENTION, Candidate
from .policy import RetentionPolicy

log = logging.getLogger(__name__)
BATCH = 500
TagsOf = Callable[[Sequence[str]], dict[str, tuple[str, ...]]]


@dataclass
class PruneReport:
    """What a prune deleted (or, dry, would delete): count, content bytes, pictures, creation range."""

    count: int = 0
    bytes: int = 0
    images: int = 0
    oldest: datetime | None = None
    newest: datetime | None = None
    kept: int = 0  # old enough, but protected (starred, shared or noted)
    dry_run: bool = False

    def add(self, found: list[Candidate]) -> None:
        for c in found:
            self.count, self.bytes, self.images = self.count + 1, self.bytes + c.bytes, self.images + c.images
            self.oldest = c.created_utc if self.oldest is None else min(self.oldest, c.created_utc)
            self.newest = c.created_utc if self.newest is None else max(self.newest, c.created_utc)


def prune(store, images, cache, policy: RetentionPolicy, name_of: Callable[[str], str],
          dry_run: bool = False, now: datetime | None = None, batch: int | None = None,
          compact: bool = False, tags_of: TagsOf = lambda ids: {}) -> PruneReport:
    """Apply the policy (`name_of(user_id)` is the name it lists users by; `tags_of(ids)` the tags
    of those that have any). Idempotent. `compact`: give the freed space back to the system (see
    RecordStore.reclaim), else only make it reusable."""
    report, now, batch = PruneReport(dry_run=dry_run), now or utcnow(), batch or BATCH
    if not dry_run:
        sweep(store, images, cache)  # what a killed run left
    newest_cutoff = policy.newest_cutoff(now)
    after = None
    while newest_cutoff is not None:
        page = store.expired(newest_cutoff, batch, after)
        if not page:
            break
        after = (page[-1].created_utc, page[-1].id)
        tags = tags_of([c.id for c in page]) if policy.tags else {}
        due = [c for c in page if _due(c, policy, name_of, now, tags.get(c.id, ()))]
        kept = store.protected_ids([c.id for c in due]) if due and policy.keep_marked else set()
        report.kept += len(kept)
        due = [c for c in due if c.id not in kept]
        if not dry_run and due:
            buried = set(store.bury([c.id for c in due], None, RETENTION))
            due = [c for c in due if c.id in buried]
            sweep(store, images, cache)
        report.add(due)
    if report.count and not dry_run:
        store.reclaim(compact)
    return report


def _due(candidate: Candidate, policy: RetentionPolicy, name_of, now: datetime, tags: tuple[str, ...]) -> bool:
    cutoff = policy.cutoff_for(name_of(candidate.user_id), now, tags)
    return cutoff is not None and candidate.created_utc < cutoff


def sweep(store, images, cache, batch: int = BATCH) -> int:
    """Finish buried records: delete their pictures, drop their dedup keys, mark them clean. A
    picture that can't be deleted now (storage down) leaves its tombstone for the next run."""
    done = 0
    while pending := store.unswept(batch):
        clean = []
        for gen_id, pictures in pending:
            try:
                for picture in pictures:
                    for name in (picture.get("path"), picture.get("thumb")):
                        if name:
                            images.delete(name)
            except Exception as exc:  # noqa: BLE001 - retried by the next run
                log.warning("Pictures of deleted generation %s not deleted yet: %s", gen_id, exc)
                continue
            clean.append(gen_id)
        if clean:
            cache.forget(set(clean))
            store.swept(clean)
            done += len(clean)
        if len(clean) < len(pending):
            break  # the rest waits for the next run rather than spinning on a storage failure
    return done
