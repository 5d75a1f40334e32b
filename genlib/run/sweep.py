"""The start-up sweep: rows a dead process left pending/streaming become `interrupted`, with what
can be recovered put back and said plainly: the text saved while it streamed (costed by estimate:
the provider billed it), pictures written under the generation's id (their usage was committed
before the files), and, for a request that followed an identical one in flight (it paid nothing
and saved no text of its own), what that one had received.
"""
from __future__ import annotations

import json
from decimal import Decimal

from ..clock import utcnow
from ..dedup import SHARED_HIT
from ..pricing.costing import apply_usage
from ..pricing.usage import estimate_chat_usage
from ..records import IMAGE, INTERRUPTED, Generation
from .copies import copy_images

INTERRUPTED_MESSAGE = "The app stopped while this was running; the text received until then is kept."
IMAGE_SAVING = "The app stopped while this image was being saved"
IMAGE_MESSAGES = {  # (pictures found on disk, usage reported) -> what the interrupted row says
    (True, True): f"{IMAGE_SAVING}; the pictures written before it stopped are attached, and the cost the "
                  "provider reported is kept.",
    (True, False): f"{IMAGE_SAVING}; the pictures written before it stopped are attached.",
    (False, True): f"{IMAGE_SAVING}; the picture was lost. The cost the provider reported is kept.",
    (False, False): "The app stopped before the image arrived; no picture was received.",
}
FOLLOWED = "The app stopped while this request was following an identical one in flight (no provider call of its own)"
FOLLOWER_MESSAGES = {  # whether the followed generation had received anything
    True: f"{FOLLOWED}; what that one had received by then is shown.",
    False: f"{FOLLOWED}; nothing had been received. Regenerate makes a fresh call.",
}


def sweep_interrupted(store, images, cache, pricer, own: bool = True) -> int:
    """End every record left live (`RecordStore.claim_orphans`: with `own`, this process's too);
    returns how many became `interrupted`."""
    parts = _Parts(store, images, cache, pricer)
    live = store.claim_orphans(own)
    now = utcnow()
    for gen in live:
        gen.status, gen.finished_utc = INTERRUPTED, now
    payers = [gen for gen in live if not _is_follower(gen)]
    for gen in payers:
        _recover_own(parts, gen)
    for gen in live:
        if _is_follower(gen):
            _recover_follower(parts, gen, payers)
    if live:
        store.write(finals=live)
        cache.forget({gen.id for gen in live})
    return len(live)


class _Parts:
    """What the recovery steps below use, under one name."""

    def __init__(self, store, images, cache, pricer):
        self.store, self.images, self.cache, self.pricer = store, images, cache, pricer


def _is_follower(gen: Generation) -> bool:
    # A follower never saves text of its own; one with saved text was answering itself (its
    # original had failed) before the change of `cached_from` reached the database.
    return bool(gen.cached_from) and not gen.result_text


def _recover_own(parts, gen: Generation) -> None:
    gen.error = gen.error or INTERRUPTED_MESSAGE
    if gen.kind == IMAGE:
        _recover_images(parts, gen)
    elif gen.result_text:
        _estimate_cost(parts, gen)


def _recover_images(parts, gen: Generation) -> None:
    """Pictures written before the crash are attached (their names follow from the id); the usage
    the worker committed before writing them is already on the row."""
    if not gen.images:
        found = parts.images.recover(gen.id)
        gen.images_json = json.dumps(found) if found else None
    gen.error = IMAGE_MESSAGES[(bool(gen.images), gen.usage_json is not None)]


def _estimate_cost(parts, gen: Generation) -> None:
    """The provider billed the tokens it sent: estimate them rather than record $0."""
    usage = estimate_chat_usage(gen.messages, gen.result_text, gen.attachments)
    apply_usage(gen, usage, parts.pricer, gen.provider or "", estimated=True)


def _recover_follower(parts, gen: Generation, payers: list[Generation]) -> None:
    """It paid nothing: show what the generation it followed had received (copied, never pointing at
    another user's files) and say so."""
    original = _followed(parts, gen, payers)
    gen.cost_usd = Decimal(0)
    if original is not None and (original.result_text or original.images):
        gen.result_text, gen.model_used = original.result_text, original.model_used
        same_user = original.user_id == gen.user_id
        gen.images_json = original.images_json if same_user or not original.images else json.dumps(
            copy_images(parts.images, original.images, gen.id))
    gen.error = FOLLOWER_MESSAGES[bool(gen.result_text or gen.images)]


def _followed(parts, gen: Generation, payers: list[Generation]) -> Generation | None:
    """The generation it followed: by id (same user), else the one with its dedup key (a shared
    cache records no id), swept now or finished before the crash."""
    for original in payers:
        if original.id == gen.cached_from or (gen.cached_from == SHARED_HIT and original.dedup_key == gen.dedup_key):
            return original
    holder = gen.cached_from if gen.cached_from != SHARED_HIT else parts.cache.get(gen.dedup_key)
    return parts.store.get(holder) if holder else None
