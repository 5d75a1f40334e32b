"""The generation record: what was asked (`GenerationRequest`) and what is stored (`Generation`).

Plain dataclasses with `to_row`/`from_row`; they know nothing of the database or the UI.
Token buckets are disjoint: their sum is every token billed exactly once.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from .vision.attachments import Attachment

PENDING, STREAMING, COMPLETE, ERROR, CANCELLED, INTERRUPTED = (
    "pending", "streaming", "complete", "error", "cancelled", "interrupted")
STATUSES = (PENDING, STREAMING, COMPLETE, ERROR, CANCELLED, INTERRUPTED)
LIVE_STATUSES = (PENDING, STREAMING)
TEXT, IMAGE = "text", "image"
KINDS = (TEXT, IMAGE)
MAX_PROMPT_CHARS = 1_000_000


@dataclass(frozen=True)
class TokenBuckets:
    """Disjoint token counts: uncached input, cache read/write, visible output, reasoning, image."""

    input_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    image_tokens: int = 0

    @property
    def total(self) -> int:
        return sum(asdict(self).values())


@dataclass(frozen=True)
class GenerationRequest:
    """Everything that changes the output, plus who asks and what it continues."""

    prompt: str
    model: str
    kind: str = TEXT
    system_prompt: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    parent_id: str | None = None
    history: tuple[dict[str, str], ...] = ()
    attachments: tuple[Attachment, ...] = ()  # images sent with this prompt (vision input)

    def messages(self) -> list[dict[str, str]]:
        """The chat messages as text (what the record keeps): system prompt, earlier turns, this prompt."""
        sent = [{"role": "system", "content": self.system_prompt}] if self.system_prompt else []
        return sent + [dict(m) for m in self.history] + [{"role": "user", "content": self.prompt}]

    def sent_messages(self) -> list[dict]:
        """The messages as sent: with attachments, this prompt is a text part plus one image_url part
        (a data: URL) per image. The bytes exist only in the request body, never in the record."""
        sent = self.messages()
        if self.attachments:
            parts = [{"type": "text", "text": self.prompt}]
            parts += [{"type": "image_url", "image_url": {"url": a.data_url()}} for a in self.attachments]
            sent[-1] = {"role": "user", "content": parts}
        return sent


@dataclass
class Generation:
    """One stored generation, as a row of the `generations` table."""

    id: str
    kind: str
    user_id: str
    model_requested: str
    prompt: str
    status: str = PENDING
    model_used: str | None = None
    provider: str | None = None
    system_prompt: str | None = None
    parent_id: str | None = None
    messages_json: str | None = None
    params_json: str | None = None
    result_text: str = ""
    images_json: str | None = None
    usage_json: str | None = None
    input_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    image_tokens: int | None = None
    usage_estimated: bool = False
    cost_usd: Decimal | None = None
    cost_saved_usd: Decimal | None = None
    price_source: str | None = None
    error: str | None = None
    cached_from: str | None = None
    regenerated_from: str | None = None
    response_id: str | None = None
    dedup_key: str | None = None
    created_utc: datetime | None = None
    request_sent_utc: datetime | None = None
    first_token_utc: datetime | None = None
    finished_utc: datetime | None = None
    finish_reason: str | None = None  # the provider's last word: "stop", "length", ...
    attachments_json: str | None = None  # [{"sha256", "mime", "bytes", "width", "height"}, ...]

    COLUMNS = ()  # filled below: the column order of to_row/from_row

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def params(self) -> dict[str, Any]:
        return json.loads(self.params_json) if self.params_json else {}

    @property
    def messages(self) -> list[dict[str, str]]:
        return json.loads(self.messages_json) if self.messages_json else []

    @property
    def images(self) -> list[dict[str, str]]:
        """[{"path": relative image path, "thumb": relative thumbnail path}, ...]"""
        return json.loads(self.images_json) if self.images_json else []

    @property
    def attachments(self) -> list[dict]:
        """The images attached to the prompt: [{"sha256", "mime", "bytes", "width", "height"}, ...]"""
        return json.loads(self.attachments_json) if self.attachments_json else []

    @property
    def buckets(self) -> TokenBuckets:
        return TokenBuckets(**{f.name: getattr(self, f.name) or 0 for f in fields(TokenBuckets)})

    @property
    def total_tokens(self) -> int:
        return self.buckets.total

    @property
    def ttft_ms(self) -> float | None:
        return _ms_between(self.request_sent_utc, self.first_token_utc)

    @property
    def duration_ms(self) -> float | None:
        return _ms_between(self.request_sent_utc or self.created_utc, self.finished_utc)

    def to_row(self) -> tuple:
        return tuple(getattr(self, name) for name in Generation.COLUMNS)

    @classmethod
    def from_row(cls, row: tuple | dict) -> "Generation":
        if isinstance(row, dict):
            return cls(**{k: v for k, v in row.items() if k in Generation.COLUMNS})
        return cls(**dict(zip(Generation.COLUMNS, row)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (Decimal as string to keep full precision, datetimes ISO)."""
        out = {}
        for name in Generation.COLUMNS:
            value = getattr(self, name)
            if isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, datetime):
                value = value.isoformat()
            out[name] = value
        return out

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "Generation":
        """The inverse of `to_dict` (ISO datetimes and Decimal strings parsed back)."""
        values = {k: v for k, v in values.items() if k in Generation.COLUMNS}
        for name, value in values.items():
            if value is not None and name.endswith("_utc"):
                values[name] = datetime.fromisoformat(value)
            elif value is not None and name in ("cost_usd", "cost_saved_usd"):
                values[name] = Decimal(value)
        return cls(**values)


def _ms_between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds() * 1000.0


Generation.COLUMNS = tuple(f.name for f in fields(Generation))
