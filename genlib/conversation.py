"""Records from requests and requests from records: a new pending record, a cache-hit copy,
and the requests to run a saved generation again (Regenerate, Retry) or continue it.

The conversation is the messages the saved generation sent plus its answer; the system prompt,
model and parameters carry over.
"""
from __future__ import annotations

import json
from datetime import datetime

from .ids import new_id
from .records import COMPLETE, Generation, GenerationRequest
from .pricing.usage import estimate_tokens
from .vision import attachments_tokens


def new_record(request: GenerationRequest, user_id: str, provider_host: str, dedup_key: str,
               created_utc: datetime, regenerated_from: str | None = None) -> Generation:
    """The pending record of a request: its id is made here, before anything is sent."""
    return Generation(
        id=new_id(), kind=request.kind, user_id=user_id.strip(), model_requested=request.model,
        prompt=request.prompt, provider=provider_host, system_prompt=request.system_prompt,
        parent_id=request.parent_id, messages_json=json.dumps(request.messages(), ensure_ascii=False),
        params_json=json.dumps(request.params, sort_keys=True), created_utc=created_utc,
        attachments_json=json.dumps([a.meta() for a in request.attachments]) if request.attachments else None,
        dedup_key=dedup_key, regenerated_from=regenerated_from)


def make_cache_hit(record: Generation, original: Generation, now: datetime, cached_from: str) -> None:
    """Turn a new record into a finished copy of `original`: $0, saving what the original cost.
    `cached_from` is the original's id, or (another user's original, in a team-shared cache) a
    marker: then only the answer is copied, no id, response id or time of theirs."""
    record.status, record.cached_from = COMPLETE, cached_from
    record.result_text, record.images_json = original.result_text, original.images_json
    own = cached_from == original.id
    record.model_used, record.response_id = original.model_used, original.response_id if own else None
    record.cost_usd, record.cost_saved_usd = 0, original.cost_usd
    record.price_source = "dedup cache hit"
    record.request_sent_utc = record.first_token_utc = record.finished_utc = now


def regenerate_request(gen: Generation, attachments: tuple = ()) -> GenerationRequest:
    """The same request again (the caller forces a fresh call), with its images read back."""
    history = tuple(m for m in gen.messages[:-1] if m.get("role") != "system")
    return GenerationRequest(prompt=gen.prompt, model=gen.model_requested, kind=gen.kind,
                             system_prompt=gen.system_prompt, params=gen.params,
                             parent_id=gen.parent_id, history=history, attachments=attachments)


def continue_request(gen: Generation, prompt: str) -> GenerationRequest:
    """A follow-up turn with the conversation so far as context."""
    history = [m for m in gen.messages if m.get("role") != "system"]
    history.append({"role": "assistant", "content": gen.result_text})
    return GenerationRequest(prompt=prompt, model=gen.model_requested, system_prompt=gen.system_prompt,
                             params=gen.params, parent_id=gen.id, history=tuple(history))


def input_tokens(request: GenerationRequest) -> int:
    """An estimate of the tokens the request sends, before it is sent."""
    return sum(estimate_tokens(m["content"]) for m in request.messages()) + attachments_tokens(request.attachments)
