"""`python -m bench.realmodel [--pairs N] [--max-tokens N]` (`make bench-local`): genlib vs the raw
openai SDK against llama.cpp's real server (Gemma 3 270M, scripts/localmodel.py), same prompts.

Interleaved pairs (which side goes first alternates; each side sees each prompt once, so genlib's
dedup never answers). TTFT, genlib: `vault.start()` to text readable through `vault.get`; raw:
`create()` to the first content chunk. Final: genlib until `vault.wait()` returns (final record
committed), raw until the stream ends. Medians of each side and the median per-pair ratio.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from genlib import GenerationRequest
from scripts.localmodel import MODEL_ALIAS, LocalServer, missing

from .harness import first_text_seen, make_vault, raw_client
from .stats import p50, paired_ratio, rnd, summary

TOPICS = ("DuckDB", "SQLite", "Parquet", "CSV files", "pandas", "SQL joins", "window functions", "indexes",
          "Arrow", "JSON", "time zones", "UTF-8", "hash maps", "B-trees", "caching", "backups")


def prompt(i: int, side: str) -> str:
    return f"In two sentences, explain {TOPICS[i % len(TOPICS)]} to a new analyst. ({side} {i})"


def genlib_run(vault, text: str, max_tokens: int) -> tuple[float, float]:
    params = {"temperature": 0, "max_tokens": max_tokens}
    start = time.perf_counter()
    gen_id = vault.start(GenerationRequest(text, MODEL_ALIAS, params=params), "bench")
    first_text_seen(vault, gen_id, timeout=120)
    first = time.perf_counter()
    vault.wait(gen_id, timeout=300)
    return first - start, time.perf_counter() - start


def raw_run(client, text: str, max_tokens: int) -> tuple[float, float]:
    start, first = time.perf_counter(), None
    stream = client.chat.completions.create(model=MODEL_ALIAS, messages=[{"role": "user", "content": text}],
                                            stream=True, temperature=0, max_tokens=max_tokens,
                                            stream_options={"include_usage": True})
    with stream:
        for chunk in stream:
            if first is None and chunk.choices and chunk.choices[0].delta.content:
                first = time.perf_counter() - start
    return first, time.perf_counter() - start


def measure(base_url: str, pairs: int, max_tokens: int) -> dict:
    times = {"raw": ([], []), "genlib": ([], [])}
    with tempfile.TemporaryDirectory(prefix="genvault-bench-local-") as tmp:
        vault, client = make_vault(Path(tmp) / "data", base_url, request_timeout_s=300.0), raw_client(base_url)
        try:
            raw_run(client, prompt(999, "warm-up"), max_tokens)  # loads the model's pages into memory
            for i in range(pairs):
                for side in (("raw", "genlib") if i % 2 == 0 else ("genlib", "raw")):
                    run = raw_run if side == "raw" else genlib_run
                    ttft, final = run(client if side == "raw" else vault, prompt(i, side), max_tokens)
                    times[side][0].append(ttft)
                    times[side][1].append(final)
        finally:
            vault.close()
    ms = {side: {"ttft_ms_p50": rnd(p50(t) * 1000), "final_ms_p50": rnd(p50(f) * 1000),
                 "ttft_ms": summary([x * 1000 for x in t]), "final_ms": summary([x * 1000 for x in f]),
                 "ttft_ms_each": [rnd(x * 1000, 1) for x in t]}
          for side, (t, f) in times.items()}
    return {**ms, "ttft_ratio": paired_ratio(times["genlib"][0], times["raw"][0]),
            "final_ratio": paired_ratio(times["genlib"][1], times["raw"][1]),
            "ttft_overhead_ms_p50": rnd((p50(times["genlib"][0]) - p50(times["raw"][0])) * 1000)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.realmodel", description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=12)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    reason = missing()
    if reason:
        print(f"bench.realmodel: {reason}", file=sys.stderr)
        return 2
    log = Path(tempfile.gettempdir()) / f"genvault-bench-llama-{os.getpid()}.log"
    started = time.time()
    with LocalServer(log, threads=args.threads, n_ctx=1024) as server:
        results = measure(server.base_url, args.pairs, args.max_tokens)
    log.unlink()  # kept only when the run failed, to read why
    results.update(pairs=args.pairs, max_tokens=args.max_tokens, threads=args.threads, model=MODEL_ALIAS,
                   duration_s=round(time.time() - started), date=time.strftime("%Y-%m-%d"),
                   machine={"cores": os.cpu_count(), "python": platform.python_version()})
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
