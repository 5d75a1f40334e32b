"""Time to first token and throughput of one stream: genlib against the raw SDK, interleaved.

TTFT, genlib: from `vault.start()` to the moment another thread (here the caller, while the
worker thread streams) reads text through `vault.get(id)`. Raw: from `create()` to the first
content chunk. Answers are paced like a real provider (a few ms apart) so the stream isn't
CPU-bound and the figure is the cost of genlib's path, not of a GIL queue behind a hot loop.

Throughput: the issue's 5,000-token answers as fast as the server sends them. genlib's time
runs until `vault.wait()` returns, i.e. until the final record, whole text included, is
committed; raw's until the stream is exhausted. Pairs alternate which side goes first; the ratio
is the median of the per-pair ratios.
"""
from __future__ import annotations

import time

from . import server
from .harness import USER, first_text_seen, raw_stream, request
from .stats import p50, p99, paired_ratio, ratio, rnd, summary


def ttft(vault, client, sizes) -> dict:
    """ttft_overhead_ms_p50/_p99 = genlib TTFT percentile minus raw TTFT percentile."""
    raw_ms, gen_ms, start_ms = [], [], []
    for i in range(sizes.ttft_pairs):
        for side in (("raw", "gen") if i % 2 == 0 else ("gen", "raw")):
            text = server.prompt(sizes.ttft_tokens, sizes.ttft_delay_s, f"ttft-{side}-{i}")
            if side == "raw":
                raw_ms.append(raw_stream(client, text)[0] * 1000.0)
            else:
                first, started = _genlib_first_token(vault, text)
                gen_ms.append(first)
                start_ms.append(started)
    return {
        "ttft_overhead_ms_p50": rnd(p50(gen_ms) - p50(raw_ms)),
        "ttft_overhead_ms_p99": rnd(p99(gen_ms) - p99(raw_ms)),
        "details": {"ttft_raw_ms": summary(raw_ms), "ttft_genlib_ms": summary(gen_ms),
                    "vault_start_call_ms": summary(start_ms),
                    "answer": f"{sizes.ttft_tokens} tokens, {sizes.ttft_delay_s * 1000:g} ms apart"},
    }


def _genlib_first_token(vault, text: str) -> tuple[float, float]:
    """(ms to first readable text, ms spent inside vault.start) for one generation."""
    start = time.perf_counter()
    gen_id = vault.start(request(text), USER)
    started = time.perf_counter()
    first_text_seen(vault, gen_id)
    first = time.perf_counter()
    vault.wait(gen_id, timeout=60)  # finished and saved before the next trial begins
    return (first - start) * 1000.0, (started - start) * 1000.0


def throughput(vault, client, sizes) -> dict:
    """throughput_ratio = median over pairs of genlib time / raw time, for the long answers."""
    tokens, raw_s, gen_s, complete = sizes.throughput_tokens, [], [], True
    expected = server.expected_text(tokens)
    for i in range(sizes.throughput_pairs):
        for side in (("raw", "gen") if i % 2 == 0 else ("gen", "raw")):
            text = server.prompt(tokens, 0, f"tp-{side}-{i}")
            if side == "raw":
                _, total, got = raw_stream(client, text)
                raw_s.append(total)
            else:
                total, got = genlib_stream(vault, text)
                gen_s.append(total)
            complete = complete and got == expected
    return {
        "throughput_ratio": paired_ratio(gen_s, raw_s),
        "details": {"throughput_ratio_of_medians": ratio(p50(gen_s), p50(raw_s)),"throughput_raw_s": summary(raw_s, 4), "throughput_genlib_s": summary(gen_s, 4),
                    "throughput_tokens": tokens, "throughput_texts_complete": complete,
                    "throughput_raw_tokens_per_s": rnd(tokens / p50(raw_s), 0)},
    }


def genlib_stream(vault, text: str) -> tuple[float, str]:
    """Seconds from start() until the final record is committed, and the saved text."""
    start = time.perf_counter()
    gen_id = vault.start(request(text), USER)
    final = vault.wait(gen_id, timeout=120)
    return time.perf_counter() - start, vault.store.get(gen_id).result_text if final else ""
