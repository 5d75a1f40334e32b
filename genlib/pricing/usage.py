"""Provider usage dicts -> disjoint `TokenBuckets`, and token estimates when a stream sent none.

Owns the subset-vs-additive question: OpenAI counts cached tokens inside `prompt_tokens` and
reasoning inside `completion_tokens`; Anthropic-style fields are added on top. Every bucket is
billed once, never twice, never dropped. Garbage, negatives and missing details read as 0;
absurd counts are clamped to `MAX_BUCKET_TOKENS` (see `out_of_range`).
"""
from __future__ import annotations

import math
from decimal import Decimal
import re
from typing import Any

from ..records import TokenBuckets
from ..vision import attachments_tokens

# Overheads of the chat format (cl100k/o200k): each message is wrapped in ~3 control tokens and
# the reply is primed with ~3 more. Good enough for an estimate flagged as such.
_PER_MESSAGE_TOKENS = 3
_REPLY_PRIMING_TOKENS = 3
# No single request bills a billion tokens of one kind; a count at or past this is a provider bug, and
# past 2**63 it would not even fit the database's BIGINT (the final record could not be saved).
MTOK = Decimal(1_000_000)  # prices are per million tokens
MAX_BUCKET_TOKENS = 10**9
_PIECE = re.compile(r"[A-Za-z]+|\d+|[^\W\d_A-Za-z]+|\s+|[^\w\s]+|_+")


def _int(value: Any) -> int:
    """A usage count as a non-negative int; anything unusable is 0."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, str):
        value = value.strip()
        value = int(value) if value.isdigit() else 0
    if isinstance(value, float) and not math.isfinite(value):
        return 0
    if isinstance(value, (int, float)):
        return max(0, int(value))
    return 0


def _dict(value: Any) -> dict:
    if isinstance(value, dict):
        return value
    dump = getattr(value, "model_dump", None)  # a pydantic usage object slipped through
    if callable(dump):
        try:
            dumped = dump()
        except Exception:
            return {}
        return dumped if isinstance(dumped, dict) else {}
    return {}


def _input_split(usage: dict) -> tuple[int, int, int]:
    """(uncached input, cache read, cache write) from OpenAI- or Anthropic-shaped usage."""
    openai_shaped = "prompt_tokens" in usage
    total_in = _int(usage.get("prompt_tokens") if openai_shaped else usage.get("input_tokens"))
    details = _dict(usage.get("prompt_tokens_details")) or _dict(usage.get("input_tokens_details"))
    top_read = _int(usage.get("cache_read_input_tokens"))
    top_write = _int(usage.get("cache_creation_input_tokens"))
    read = _int(details.get("cached_tokens")) or top_read
    write = _int(details.get("cache_write_tokens")) or _int(details.get("cache_creation_tokens")) or top_write
    # OpenAI details (and OpenRouter's cache_write_tokens) are counted inside the prompt total.
    # Anthropic's own shape (input_tokens + cache_*_input_tokens, no details) adds them on top.
    additive = not openai_shaped and not details and bool(top_read or top_write)
    if read + write > total_in:
        additive = True  # "included" is impossible: treat as additive rather than go negative
    if additive:
        return total_in, read, write
    return total_in - read - write, read, write


def _output_split(usage: dict, prompt_total: int) -> tuple[int, int]:
    """(visible output, reasoning); reasoning is inside completion_tokens unless proven otherwise."""
    completion = _int(usage.get("completion_tokens", usage.get("output_tokens")))
    details = _dict(usage.get("completion_tokens_details")) or _dict(usage.get("output_tokens_details"))
    reasoning = _int(details.get("reasoning_tokens"))
    if not reasoning:
        return completion, 0
    total = _int(usage.get("total_tokens"))
    # Some OpenAI-compatible servers (e.g. Gemini's) report thoughts on top of completion_tokens;
    # total_tokens then betrays it. A reasoning count above completion can't be a subset either.
    on_top = total == prompt_total + completion + reasoning
    if on_top or reasoning > completion:
        return completion, reasoning
    return completion - reasoning, reasoning


def _clamped(buckets: TokenBuckets) -> TokenBuckets:
    return TokenBuckets(**{name: min(value, MAX_BUCKET_TOKENS) for name, value in vars(buckets).items()})


def out_of_range(buckets: TokenBuckets) -> bool:
    """Whether a bucket was clamped: its count is not the provider's, so it is neither trusted nor priced."""
    return any(value >= MAX_BUCKET_TOKENS for value in vars(buckets).values())


def chat_buckets(usage: dict | None) -> TokenBuckets:
    """Disjoint buckets from a chat.completions usage dict (`model_dump()`); None -> all zero."""
    usage = _dict(usage)
    if not usage:
        return TokenBuckets()
    uncached, read, write = _input_split(usage)
    output, reasoning = _output_split(usage, uncached + read + write)
    return _clamped(TokenBuckets(input_tokens=uncached, cache_read_tokens=read, cache_write_tokens=write,
                                 output_tokens=output, reasoning_tokens=reasoning))


def image_buckets(usage: dict | None) -> TokenBuckets:
    """Buckets from images.generate usage: output image tokens go to `image_tokens`.

    Input image tokens (edits only) have no bucket of their own and stay in `input_tokens`.
    """
    usage = _dict(usage)
    if not usage:
        return TokenBuckets()
    uncached, read, write = _input_split(usage)
    out_total = _int(usage.get("output_tokens"))
    out_details = _dict(usage.get("output_tokens_details"))
    images = _int(out_details.get("image_tokens")) if "image_tokens" in out_details else out_total
    images = min(images, out_total)
    return _clamped(TokenBuckets(input_tokens=uncached, cache_read_tokens=read, cache_write_tokens=write,
                                 output_tokens=out_total - images, image_tokens=images))


def _piece_tokens(piece: str) -> int:
    """Tokens for one run of letters / digits / other script / spaces / punctuation."""
    first = piece[0]
    if first.isspace():
        return 1 if "\n" in piece else 0  # a space rides on the next word; a line break costs ~1
    if first.isascii() and first.isalpha():
        return 1 + (len(piece) - 1) // 6  # common English words are one token, long ones split
    if first.isdigit():
        return math.ceil(len(piece) / 3)  # BPE vocabularies chunk numbers by up to 3 digits
    if first.isalpha():
        return len(piece)  # CJK and most non-Latin scripts: about one token per character
    return math.ceil(len(piece) / 2)


def estimate_tokens(text: str) -> int:
    """Heuristic token count (no tokenizer offline): word-aware, ~chars/4 on English prose."""
    if not text:
        return 0
    return max(1, sum(_piece_tokens(m.group()) for m in _PIECE.finditer(text)))


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # multimodal parts: count the text ones
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def estimate_chat_usage(messages: list[dict], output_text: str, attachments=()) -> dict:
    """An OpenAI-shaped usage dict for a stream that never reported usage, flagged `estimated`;
    attached images (`Attachment`s or the record's dicts) count by OpenAI's tile formula."""
    prompt = _REPLY_PRIMING_TOKENS + attachments_tokens(attachments) + sum(
        _PER_MESSAGE_TOKENS + estimate_tokens(_content_text(m.get("content")))
        for m in messages or () if isinstance(m, dict))
    completion = estimate_tokens(output_text or "")
    return {"prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": prompt + completion, "estimated": True}
