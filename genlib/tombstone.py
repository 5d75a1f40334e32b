"""What a deleted generation leaves behind: its tombstone, and the candidates a prune looks at.

A tombstone keeps the id, owner, creation time, who deleted it, when and why; the generation's row
keeps its cost fields (model, kind, tokens, cost) with its content removed, so the books balance.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

RETENTION, BY_USER = "retention", "deleted"  # a tombstone's reason


@dataclass(frozen=True)
class Tombstone:
    id: str
    user_id: str
    created_utc: datetime
    deleted_utc: datetime
    deleted_by: str | None  # None: the retention policy
    reason: str

    def sentence(self, label=lambda user_id: user_id) -> str:
        """"Deleted on 2026-12-01 by the retention policy" (or "by <label(deleted_by)>")."""
        who = "the retention policy" if self.reason == RETENTION or not self.deleted_by else label(self.deleted_by)
        return f"Deleted on {self.deleted_utc:%Y-%m-%d} by {who}."


@dataclass(frozen=True)
class Candidate:
    """A finished generation old enough to be pruned, with the bytes its content takes."""

    id: str
    user_id: str
    created_utc: datetime
    bytes: int
    images: int
