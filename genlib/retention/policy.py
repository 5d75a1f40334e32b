"""The retention policy: the `[retention]` table of the budgets document.

    [retention]
    days = 90                      # generations older than this are deleted (tombstones stay)
    keep_marked = true             # (default) starred, shared and noted ones are kept whatever their age
    [retention.users."ana@example.com"]
    days = 365                     # per user (the name budgets use: verified email, else the id)
    [retention.tags."scratch"]
    days = 7                       # per tag: a tagged generation follows its tag's period (the
                                   # longest of its tags'), whoever made it

No `days` at the top: only the users and tags named are pruned. No `[retention]` table: nothing is.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..errors import BadRequest
from ..marks import clean_tag

MAX_DAYS = 100 * 366
KEYS, USER_KEYS = ("days", "users", "tags", "keep_marked"), ("days",)


@dataclass(frozen=True)
class RetentionPolicy:
    days: int | None = None
    users: dict[str, int] = field(default_factory=dict)  # lower-cased budget name -> days
    keep_marked: bool = True  # RecordStore.protected_ids are kept
    tags: dict[str, int] = field(default_factory=dict)  # tag as stored (marks.clean_tag) -> days

    @property
    def active(self) -> bool:
        return self.days is not None or bool(self.users) or bool(self.tags)

    def days_for(self, name: str, tags: tuple[str, ...] = ()) -> int | None:
        """A tag's period wins over the user's (the longest of the generation's tags named: keeping
        is the safe side of a conflict); else the user's, else the default."""
        tagged = [self.tags[t] for t in tags if t in self.tags]
        return max(tagged) if tagged else self.users.get(name.strip().lower(), self.days)

    def newest_cutoff(self, now: datetime) -> datetime | None:
        """The latest creation time any record is pruned before (None: none is)."""
        shortest = min([d for d in (self.days, *self.users.values(), *self.tags.values()) if d is not None],
                       default=None)
        return None if shortest is None else now - timedelta(days=shortest)

    def cutoff_for(self, name: str, now: datetime, tags: tuple[str, ...] = ()) -> datetime | None:
        days = self.days_for(name, tags)
        return None if days is None else now - timedelta(days=days)


def _days(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
        raise ValueError(f"{where} must be a whole number of days from 1 to {MAX_DAYS:,}, not {value!r}")
    return value


def _only(table: object, keys: tuple[str, ...], where: str) -> dict:
    if not isinstance(table, dict):
        raise ValueError(f"[{where}] must be a table")
    unknown = sorted(set(table) - set(keys))
    if unknown:  # a typo must not silently keep (or delete) someone's records
        raise ValueError(f"[{where}] has unknown key(s) {', '.join(unknown)} (allowed: {', '.join(keys)})")
    return table


def parse_retention(data: dict) -> RetentionPolicy:
    """The policy in a parsed budgets document; ValueError naming the first problem."""
    table = _only(data.get("retention", {}), KEYS, "retention")
    users = table.get("users", {})
    if not isinstance(users, dict):
        raise ValueError('[retention.users] must be a table of tables, e.g. [retention.users."ana@example.com"]')
    parsed = {}
    for name, entry in users.items():
        where = f'retention.users."{name}"'
        key = name.strip().lower()
        if key in parsed:
            raise ValueError("[retention.users] lists a user twice (names are case-insensitive)")
        parsed[key] = _days(_only(entry, USER_KEYS, where).get("days"), f"{where}.days")
    tags = _tags(table.get("tags", {}))
    days = _days(table["days"], "retention.days") if "days" in table else None
    keep_marked = table.get("keep_marked", True)
    if not isinstance(keep_marked, bool):
        raise ValueError(f"retention.keep_marked must be true or false, not {keep_marked!r}")
    return RetentionPolicy(days, parsed, keep_marked, tags)


def _tags(tags: object) -> dict[str, int]:
    if not isinstance(tags, dict):
        raise ValueError('[retention.tags] must be a table of tables, e.g. [retention.tags."scratch"]')
    parsed = {}
    for name, entry in tags.items():
        where = f'retention.tags."{name}"'
        try:
            key = clean_tag(name)
        except BadRequest as bad:
            raise ValueError(f"[{where}]: {bad}") from None
        if key in parsed:
            raise ValueError("[retention.tags] lists a tag twice (tags are case-insensitive)")
        parsed[key] = _days(_only(entry, USER_KEYS, where).get("days"), f"{where}.days")
    return parsed
