"""Turns a usage dict into a record's token buckets, cost and price source.

Shared by the worker (at the end of a stream) and the start-up sweep (for interrupted rows), so
a generation is costed the same way however it ended.
"""
from __future__ import annotations

import json

from ..records import IMAGE, Generation
from .usage import chat_buckets, image_buckets, out_of_range


def apply_usage(gen: Generation, usage: dict, pricer, provider_host: str,
                estimated: bool = False, n_images: int = 0) -> None:
    """Fill usage_json, the token buckets, cost_usd and price_source of `gen` in place."""
    buckets = image_buckets(usage) if gen.kind == IMAGE else chat_buckets(usage)
    gen.usage_json = json.dumps(usage, default=str)
    for name, value in vars(buckets).items():
        setattr(gen, name, value)
    gen.usage_estimated = estimated or out_of_range(buckets)  # clamped counts are not the provider's
    price = pricer.price(gen.model_used or gen.model_requested, provider_host, buckets, gen.kind,
                         gen.created_utc, n_images=n_images)
    gen.cost_usd, gen.price_source = price.cost_usd, price.source
