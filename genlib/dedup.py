"""Dedup keys: which requests are identical, and the marker of a hit on another user's answer.

`dedup_key` hashes every input that changes the output as canonical JSON, so key order never
matters; with a scope (the user id, by default) identical requests of different users never meet,
so nobody can learn what someone else asked by getting a hit. The cache itself is a `DedupCache`.
"""
from __future__ import annotations

import hashlib
import json

from .records import GenerationRequest

KEY_VERSION = 1  # bump when the key recipe changes, so old entries stop matching
# `cached_from` of a hit answered from another user's generation in a team-shared cache: it marks a
# cache hit (costs count it) without naming their record (not an id: nothing can look it up).
SHARED_HIT = "shared-cache"


def dedup_key(request: GenerationRequest, provider_host: str, scope: str | None = None) -> str:
    """sha256 of the canonical JSON of everything that changes the output, within `scope` (a user
    id; None for a cache shared by every user)."""
    material = {
        "v": KEY_VERSION,
        "provider": provider_host,
        "kind": request.kind,
        "model": request.model,
        "messages": request.messages(),
        "params": {k: v for k, v in request.params.items() if v is not None},
    }
    if request.attachments:  # the images by content: same prompt, another image is another request
        material["attachments"] = [a.sha256 for a in request.attachments]
    if scope is not None:
        material["scope"] = scope
    canonical = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()

