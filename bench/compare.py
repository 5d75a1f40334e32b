"""The overhead of a 4-model comparison (issue 13) vs the same 4 streams made with the raw SDK.

Each trial sends one prompt to 4 models at once, paced like real providers (sizes.compare_tokens
at 50 tokens/s). Raw: 4 threads, each one SDK stream to its end. genlib: `vault.compare_start`
(group admission, 4 pending rows, the group row) then `vault.wait` on every panel, i.e. until
every final record is committed. `compare_overhead_ratio` is the median over back-to-back pairs
of genlib wall time / raw wall time; `compare_start_ms_p50` the time `compare_start` takes to return.
"""
from __future__ import annotations

import threading
import time

from genlib import Panel

from . import server
from .harness import USER
from .stats import paired_ratio, p50, rnd, summary

MODELS = ("gpt-4o-mini", "gpt-4.1-mini", "gpt-4o", "gpt-4.1")
KEYS = ("compare_overhead_ratio", "compare_start_ms_p50")
TPS = 50.0


def _raw_one(client, model: str, prompt: str) -> str:
    stream = client.chat.completions.create(model=model, messages=[{"role": "user", "content": prompt}],
                                            stream=True, stream_options={"include_usage": True})
    with stream:
        return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)


def raw_trial(client, prompt: str, expected: str) -> tuple[float, bool]:
    texts: list = [None] * len(MODELS)

    def run(i: int) -> None:
        texts[i] = _raw_one(client, MODELS[i], prompt)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(MODELS))]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, all(t == expected for t in texts)


def genlib_trial(vault, prompt: str, expected: str) -> tuple[float, float, bool]:
    start = time.perf_counter()
    group_id = vault.compare_start(prompt, None, [Panel(m) for m in MODELS], USER)
    started = time.perf_counter() - start
    finals = [vault.wait(g, timeout=300) for g in vault.compare_get(group_id).generation_ids]
    wall = time.perf_counter() - start
    return wall, started, all(f.status == "complete" and f.result_text == expected for f in finals)


def compare_overhead(vault, client, sizes) -> dict:
    """Interleaved raw/genlib trials (the order alternates, so drift cancels within a pair)."""
    expected = server.expected_text(sizes.compare_tokens)
    raw_walls, gen_walls, starts, ok = [], [], [], True
    for i in range(sizes.compare_pairs):
        for side in (("raw", "gen") if i % 2 == 0 else ("gen", "raw")):
            prompt = server.prompt(sizes.compare_tokens, 1.0 / TPS, f"cmp-{side}-{i}")  # unique: no dedup
            if side == "raw":
                wall, good = raw_trial(client, prompt, expected)
                raw_walls.append(wall)
            else:
                wall, started, good = genlib_trial(vault, prompt, expected)
                gen_walls.append(wall)
                starts.append(started * 1000)
            ok = ok and good
    if not ok:
        raise AssertionError("a compare panel or raw stream did not receive the whole answer")
    return {"compare_overhead_ratio": paired_ratio(gen_walls, raw_walls),
            "compare_start_ms_p50": rnd(p50(starts), 2),
            "details": {"compare": f"{len(MODELS)} models x {sizes.compare_tokens} tokens at {TPS:g} tokens/s, "
                                   f"{sizes.compare_pairs} pairs",
                        "compare_raw_wall_s": summary(raw_walls, 4), "compare_genlib_wall_s": summary(gen_walls, 4),
                        "compare_start_ms": summary(starts, 2)}}
