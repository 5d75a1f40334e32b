"""The start-up sweep: rows a dead process left pending/streaming become `interrupted`, with what
can be recovered put back and said plainly: the text saved while it streamed (costed by estimate:
the provider billed it), pictures written under the generation's id (their usage was committed
before the files), and, for a request that followed an identical one in flight (it paid nothing
and saved no text of its own), what that one had received.
"""
from __future__ import annotations

import json
from decimal import Decimal

from ..backends.local.dedup import SHARED_HIT
from ..pricing.costing import apply_usage
from ..backends.local.images import copy_images
from ..records import IMAGE, INTERRUPTED, Generation
from ..backends.duckdb.store import utcnow
from ..pricing.usage import estimate_chat_usage

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


def sweep_interrupted(vault) -> int:
    """End every row left live; returns how many became `interrupted`."""
    saved, journaled = vault.store.live_rows()
    live = [*saved, *(g for g in journaled if g.is_live)]  # a journaled dedup hit is already final
    now = utcnow()
    for gen in live:
        gen.status, gen.finished_utc = INTERRUPTED, now
    payers = [gen for gen in live if not _is_follower(gen)]
    for gen in payers:
        _recover_own(vault, gen)
    for gen in live:
        if _is_follower(gen):
            _recover_follower(vault, gen, payers)
    if saved or journaled:  # rows still in the start journal move into `generations` now
        vault.store.write_batch(inserts=journaled, finals=saved)
    vault.cache.forget_ids({gen.id for gen in live})
    return len(live)


def _is_follower(gen: Generation) -> bool:
    # A follower never saves text of its own; one with saved text was answering itself (its
    # original had failed) before the change of `cached_from` reached the database.
    return bool(gen.cached_from) and not gen.result_text


def _recover_own(vault, gen: Generation) -> None:
    gen.error = gen.error or INTERRUPTED_MESSAGE
    if gen.kind == IMAGE:
        _recover_images(vault, gen)
    elif gen.result_text:
        _estimate_cost(vault, gen)


def _recover_images(vault, gen: Generation) -> None:
    """Pictures written before the crash are attached (their names follow from the id); the usage
    the worker committed before writing them is already on the row."""
    if not gen.images:
        found = vault.images.recover(gen.id)
        gen.images_json = json.dumps(found) if found else None
    gen.error = IMAGE_MESSAGES[(bool(gen.images), gen.usage_json is not None)]


def _estimate_cost(vault, gen: Generation) -> None:
    """The provider billed the tokens it sent: estimate them rather than record $0."""
    usage = estimate_chat_usage(gen.messages, gen.result_text)
    apply_usage(gen, usage, vault.pricer, gen.provider or "", estimated=True)


def _recover_follower(vault, gen: Generation, payers: list[Generation]) -> None:
    """It paid nothing: show what the generation it followed had received (copied, never pointing at
    another user's files) and say so."""
    original = _followed(vault, gen, payers)
    gen.cost_usd = Decimal(0)
    if original is not None and (original.result_text or original.images):
        gen.result_text, gen.model_used = original.result_text, original.model_used
        same_user = original.user_id == gen.user_id
        gen.images_json = original.images_json if same_user or not original.images else json.dumps(
            copy_images(vault.images, original.images, gen.id))
    gen.error = FOLLOWER_MESSAGES[bool(gen.result_text or gen.images)]


def _followed(vault, gen: Generation, payers: list[Generation]) -> Generation | None:
    """The generation it followed: by id (same user), else the one with its dedup key (a shared
    cache records no id), swept now or finished before the crash."""
    for original in payers:
        if original.id == gen.cached_from or (gen.cached_from == SHARED_HIT and original.dedup_key == gen.dedup_key):
            return original
    holder = gen.cached_from if gen.cached_from != SHARED_HIT else vault.cache.get(gen.dedup_key)
    return vault.store.get(holder) if holder else None
