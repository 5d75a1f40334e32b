"""Many generations streaming at once in one process, paced like real providers (50 tokens/s).

Each trial starts N threads behind a barrier (N users' sessions); each streams one answer. Raw:
the SDK call, to the end of the stream. genlib: `vault.start()` then `vault.wait()`, i.e. until
the final record is committed. The trial's time is the wall time until every thread is done;
`concurrent_overhead_ratio` is the median over pairs of genlib trial time / raw trial time.
`concurrent_ok` requires every genlib generation to be complete with every token, in memory and
in the database, and every raw stream to be whole.
"""
from __future__ import annotations

import threading
import time

from . import server
from .harness import USER, raw_stream, request
from .stats import p50, paired_ratio, ratio, summary


def _run_threads(n: int, body) -> tuple[float, list]:
    """Run body(i) in n threads released together; (wall seconds, results)."""
    barrier = threading.Barrier(n + 1)
    results: list = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = body(i)
        except Exception as exc:  # noqa: BLE001 - reported as a failed generation
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,), name=f"bench-user-{i}") for i in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - start, results


def raw_trial(client, sizes, tag: str) -> tuple[float, bool, list[float]]:
    expected = server.expected_text(sizes.concurrent_tokens)

    def body(i: int):
        _, total, text = raw_stream(client, _prompt(sizes, f"{tag}-{i}"))
        return total, text == expected

    wall, results = _run_threads(sizes.concurrent, body)
    ok = all(isinstance(r, tuple) and r[1] for r in results)
    return wall, ok, [r[0] for r in results if isinstance(r, tuple)]


def genlib_trial(vault, sizes, tag: str) -> tuple[float, bool, list[float]]:
    expected = server.expected_text(sizes.concurrent_tokens)

    def body(i: int):
        start = time.perf_counter()
        gen_id = vault.start(request(_prompt(sizes, f"{tag}-{i}")), USER)
        final = vault.wait(gen_id, timeout=300)
        return time.perf_counter() - start, gen_id, final.status == "complete" and final.result_text == expected

    wall, results = _run_threads(sizes.concurrent, body)
    ok = all(isinstance(r, tuple) and r[2] for r in results)
    ok = ok and all(vault.store.get(r[1]).result_text == expected for r in results)  # durable too
    return wall, ok, [r[0] for r in results if isinstance(r, tuple)]


def _prompt(sizes, nonce: str) -> str:
    return server.prompt(sizes.concurrent_tokens, 1.0 / sizes.concurrent_tps, nonce)


def concurrent(vault, client, sizes, probe_factory) -> dict:
    """Interleaved raw/genlib trials, then one extra genlib trial under the loss-window probe."""
    raw_walls, gen_walls, raw_each, gen_each, ok = [], [], [], [], True
    for i in range(sizes.concurrent_pairs):
        for side in (("raw", "gen") if i % 2 == 0 else ("gen", "raw")):
            if side == "raw":
                wall, good, each = raw_trial(client, sizes, f"cc-raw-{i}")
                raw_walls.append(wall)
                raw_each.extend(each)
            else:
                wall, good, each = genlib_trial(vault, sizes, f"cc-gen-{i}")
                gen_walls.append(wall)
                gen_each.extend(each)
            ok = ok and good
    with probe_factory(vault) as probe:
        _, good, _ = genlib_trial(vault, sizes, "cc-probe")
    return {
        "concurrent_ok": ok and good,
        "concurrent_overhead_ratio": paired_ratio(gen_walls, raw_walls),
        "probe": probe,
        "details": {"concurrent": f"{sizes.concurrent} x {sizes.concurrent_tokens} tokens "
                                  f"at {sizes.concurrent_tps:g} tokens/s",
                    "concurrent_raw_wall_s": summary(raw_walls, 4),
                    "concurrent_genlib_wall_s": summary(gen_walls, 4),
                    "concurrent_raw_each_s": summary(raw_each, 4),
                    "concurrent_genlib_each_s": summary(gen_each, 4),
                    "concurrent_each_ratio_p50": ratio(p50(gen_each), p50(raw_each)),
                    "concurrent_ratio_of_medians": ratio(p50(gen_walls), p50(raw_walls))},
    }
