"""Serving an identical request from the dedup cache, on the big history database.

Each trial first generates a fresh answer through the server (untimed, to completion), then
times `vault.start()` of the identical request plus `vault.get()` of the new id: the moment the
caller holds the whole answer. The hit must be a complete record pointing at the original.
"""
from __future__ import annotations

import time

from . import server
from .harness import USER, request
from .stats import p50, p99, rnd, summary


def dedup_hits(vault, sizes) -> dict:
    samples, all_hits = [], True
    for i in range(sizes.dedup_trials):
        text = server.prompt(20, 0, f"dedup-{i}")
        original = vault.wait(vault.start(request(text), USER), timeout=60)
        start = time.perf_counter()
        hit = vault.get(vault.start(request(text), USER))
        samples.append((time.perf_counter() - start) * 1000.0)
        all_hits = all_hits and hit.cached_from == original.id and hit.result_text == original.result_text
    return {"dedup_hit_ms_p50": rnd(p50(samples), 2), "dedup_hit_ms_p99": rnd(p99(samples), 2),
            "details": {"dedup_hit_ms": summary(samples, 2), "dedup_all_hits": all_hits}}
