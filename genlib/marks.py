"""What users add to a generation without changing it: tags, a note, a star, a rating; and share links.

Plain values and the checks on them (tag text, ratings, expiry choices, share tokens), shared by the
Vault, the CLI, the app and every AnnotationStore / ShareStore (genlib/backends/base.py).
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from .errors import BadRequest
from .filters import Filters

MAX_TAG_CHARS, MAX_TAGS, MAX_NOTE_CHARS = 40, 20, 20_000
RATINGS = {"up": 1, "down": -1, "none": 0}
EXPIRY = {"1d": timedelta(days=1), "7d": timedelta(days=7), "30d": timedelta(days=30), "never": None}
TOKEN_BYTES = 24  # 32 URL-safe characters: 192 bits, never guessed


@dataclass(frozen=True)
class Annotation:
    generation_id: str
    tags: tuple[str, ...] = ()
    note: str = ""
    starred: bool = False
    rating: int = 0  # 1 thumbs up, -1 thumbs down, 0 none
    updated_utc: datetime | None = None
    updated_by: str | None = None


@dataclass(frozen=True)
class Edit:
    """One change to an annotation: who, when, what (tag+, tag-, note, star, rating) and the value."""
    generation_id: str
    at: datetime
    by: str
    what: str
    value: str


@dataclass(frozen=True)
class Marks:
    """Filters on annotations (History's tag/starred/rating/has-note); None: not filtered."""
    tag: str | None = None
    starred: bool | None = None
    rating: int | None = None
    has_note: bool | None = None
    note_text: str | None = None  # a substring of the note

    def any(self) -> bool:
        return any(v is not None for v in (self.tag, self.starred, self.rating, self.has_note, self.note_text))


@dataclass(frozen=True)
class Share:
    id: str
    generation_id: str
    owner_id: str
    created_utc: datetime
    expires_utc: datetime | None
    include_cost: bool
    include_system: bool
    revoked_utc: datetime | None = None
    views: int = 0
    last_viewed_utc: datetime | None = None
    token: str | None = field(default=None, compare=False)  # only in what `create` returns

    def state(self, now: datetime) -> str:
        """"active", "revoked" or "expired"."""
        if self.revoked_utc is not None:
            return "revoked"
        if self.expires_utc is not None and now >= self.expires_utc:
            return "expired"
        return "active"


def clean_tag(raw: object) -> str:
    """A tag as stored: trimmed, inner spaces collapsed, lower-cased; BadRequest if empty or long."""
    tag = " ".join(str(raw or "").split()).lower()
    if not tag:
        raise BadRequest("A tag can't be empty.")
    if len(tag) > MAX_TAG_CHARS or not tag.isprintable():
        raise BadRequest(f"A tag is at most {MAX_TAG_CHARS} printable characters.")
    return tag


def clean_note(raw: object) -> str:
    note = str(raw or "").strip()
    if len(note) > MAX_NOTE_CHARS:
        raise BadRequest(f"A note is at most {MAX_NOTE_CHARS:,} characters.")
    return note


def parse_rating(raw: object) -> int:
    if isinstance(raw, int) and raw in (-1, 0, 1):
        return raw
    found = RATINGS.get(str(raw).strip().lower())
    if found is None:
        raise BadRequest("A rating is up, down or none.")
    return found


def expiry(choice: str, now: datetime) -> datetime | None:
    """When a link made now with `choice` (1d, 7d, 30d, never) expires; BadRequest otherwise."""
    if choice not in EXPIRY:
        raise BadRequest(f"Expiry must be one of {', '.join(EXPIRY)}.")
    span = EXPIRY[choice]
    return None if span is None else now + span


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What the store keeps: a leaked database holds no usable link."""
    return hashlib.sha256(str(token).encode("utf-8", "replace")).hexdigest()


def looks_like_token(token: object) -> bool:
    text = str(token or "")
    return 20 <= len(text) <= 64 and all(c.isalnum() or c in "-_" for c in text)


def passes(gen, filters: Filters, note: str = "") -> bool:
    """History's other filters on one marked generation (listed from the annotations, not the
    search index); `q` as a case-insensitive substring test of each word in prompt, answer and note."""
    checks = [(filters.model, lambda: filters.model in (gen.model_requested, gen.model_used)),
              (filters.status, lambda: gen.status == filters.status), (filters.kind, lambda: gen.kind == filters.kind),
              (filters.user_id, lambda: gen.user_id == filters.user_id),
              (filters.date_from, lambda: gen.created_utc >= datetime.combine(filters.date_from, time())),
              (filters.date_to, lambda: gen.created_utc.date() <= filters.date_to),
              (filters.q, lambda: _contains(" ".join([gen.prompt, gen.result_text, note]).lower(), filters.q))]
    return all(test() for value, test in checks if value)


def _contains(text: str, q: str) -> bool:
    return all(word.strip('"').lower() in text for word in q.split() if not word.startswith("-"))
