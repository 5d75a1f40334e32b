"""Small statistics helpers: percentiles, summaries, timing a call many times."""
from __future__ import annotations

import gc
import math
import time
from typing import Callable, Sequence


def percentile(samples: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100), linear interpolation between closest ranks; None if empty."""
    if not samples:
        return None
    ordered = sorted(samples)
    pos = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def p50(samples: Sequence[float]) -> float | None:
    return percentile(samples, 50)


def p99(samples: Sequence[float]) -> float | None:
    return percentile(samples, 99)


def summary(samples: Sequence[float], digits: int = 3) -> dict:
    """n, p50, p99, min, max, rounded: the shape every detail entry of results.json has."""
    if not samples:
        return {"n": 0}
    return {"n": len(samples), "p50": rnd(p50(samples), digits), "p99": rnd(p99(samples), digits),
            "min": rnd(min(samples), digits), "max": rnd(max(samples), digits)}


def rnd(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def ratio(numerator: float | None, denominator: float | None, digits: int = 3) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, digits)


def paired_ratio(numerators: Sequence[float], denominators: Sequence[float], digits: int = 3) -> float | None:
    """Median of the per-pair ratios: each pair ran back to back, so load that drifts over the
    run (a shared machine) cancels out within a pair."""
    ratios = [n / d for n, d in zip(numerators, denominators) if d]
    return rnd(p50(ratios), digits)


def time_ms(fn: Callable[[], object], trials: int, warmup: int = 1) -> list[float]:
    """Wall times of `fn()` in ms, after `warmup` untimed calls and one full garbage collection."""
    for _ in range(warmup):
        fn()
    gc.collect()
    samples = []
    for _ in range(trials):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000.0)
    return samples
