"""Two replicas on the team backends: 64 streams split across them, and cross-replica follow lag.

Replica A is this process's Vault; replica B is bench/pg_replica.py in a child process, both on
one PostgreSQL schema and Redis key prefix. Both sides of a trial start at the same monotonic
instant (CLOCK_MONOTONIC is system-wide on Linux, so the two processes' readings compare); a
trial's wall time runs from that instant to the later side's last stream.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

from genlib import RESTART

from tests.replicas import Replica

from . import server
from .concurrency import _prompt, _run_threads, raw_trial
from .harness import USER, make_vault, request
from .stats import p50, p99, paired_ratio, rnd, summary

ROOT = Path(__file__).resolve().parent.parent
LEAD_S = 0.5  # from sending B its command to the common start: B only parses a line meanwhile


def team_vault(data_dir: Path, base_url: str, database_url: str, redis_url: str):
    """The benchmark Vault (bench/harness.py's settings) on the team's database and Redis."""
    return make_vault(data_dir, base_url, database_url=database_url, redis_url=redis_url)


def _shape(n: int, tokens: int, tps: float) -> SimpleNamespace:
    return SimpleNamespace(concurrent=n, concurrent_tokens=tokens, concurrent_tps=tps)


def genlib_streams(vault, n: int, tokens: int, tps: float, tag: str, at: float) -> dict:
    """n generations from n threads released at `at`: their ids, durations, and whether each
    ended complete with the whole answer; `end` is when the last was saved."""
    shape, expected = _shape(n, tokens, tps), server.expected_text(tokens)

    def body(i: int):
        start = time.perf_counter()
        gen_id = vault.start(request(_prompt(shape, f"{tag}-{i}")), USER)
        final = vault.wait(gen_id, timeout=300)
        return time.perf_counter() - start, gen_id, final.status == "complete" and final.result_text == expected

    time.sleep(max(0.0, at - time.monotonic()))
    _, results = _run_threads(n, body)
    done = [r for r in results if isinstance(r, tuple)]
    return {"end": time.monotonic(), "ids": [r[1] for r in done], "each": [r[0] for r in done],
            "ok": len(done) == n and all(r[2] for r in done),
            "failures": [repr(r) for r in results if not isinstance(r, tuple)][:3]}


def raw_streams(client, n: int, tokens: int, tps: float, tag: str, at: float) -> dict:
    """The same n streams through the raw SDK (bench/concurrency.py's raw trial), released at `at`."""
    time.sleep(max(0.0, at - time.monotonic()))
    _, ok, each = raw_trial(client, _shape(n, tokens, tps), tag)
    return {"end": time.monotonic(), "ok": ok, "each": each}


def follow_times(vault, gen_id: str) -> dict:
    """`vault.follow(gen_id)` to its end: (monotonic time, text length so far) after each piece."""
    began, seen, total = time.monotonic(), [], 0
    for piece in vault.follow(gen_id):
        total = 0 if piece is RESTART else total + len(piece)
        seen.append((time.monotonic(), total))
    return {"began": began, "seen": seen}


def lags(a_seen, b_seen, began: float) -> tuple[list[float], int]:
    """(ms from A's view holding each length to B's view first holding as much, A's lengths B
    never reached). A's pieces from before B began following are B's catch-up read, not lag."""
    out, j = [], 0
    for t_a, length in a_seen:
        if t_a < began or length == 0:
            continue
        while j < len(b_seen) and b_seen[j][1] < length:
            j += 1
        if j == len(b_seen):
            return out, sum(1 for t, n in a_seen if t >= began and n >= length)
        out.append((b_seen[j][0] - t_a) * 1000.0)
    return out, 0


class ReplicaB(Replica):
    """tests/replicas.py's driver, on bench/pg_replica.py; `send` and `receive` let A work meanwhile."""

    def __init__(self, env: dict, data_dir: Path, base_url: str):  # noqa: super().__init__ starts another child
        self.process = subprocess.Popen([sys.executable, "-m", "bench.pg_replica", str(data_dir), base_url],
                                        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        env={**os.environ, **env})
        self._read()

    def send(self, op: str, **args) -> None:
        self.process.stdin.write(json.dumps({"op": op, "args": args}) + "\n")
        self.process.stdin.flush()

    def receive(self):
        return self._read()["result"]


def _saved_whole(vault, ids: list[str], tokens: int) -> bool:
    """Every record, read from the database by replica A, complete with all its text and tokens."""
    expected = server.expected_text(tokens)
    rows = [vault.store.get(gen_id) for gen_id in ids]
    return all(r is not None and r.status == "complete" and r.result_text == expected
               and r.output_tokens == tokens for r in rows)


def concurrent(vault, client, b: ReplicaB, sizes) -> dict:
    """Interleaved raw/genlib trials, sizes.concurrent streams split evenly over A and B."""
    half, tokens, tps = sizes.concurrent // 2, sizes.concurrent_tokens, sizes.concurrent_tps
    walls, each, ok, failures = {"raw": [], "gen": []}, {"raw": [], "gen": []}, True, []
    for i in range(sizes.concurrent_pairs):
        for side in (("raw", "gen") if i % 2 == 0 else ("gen", "raw")):
            at, tag = time.monotonic() + LEAD_S, f"pg-cc-{side}-{i}"
            b.send("raw" if side == "raw" else "streams", n=half, tokens=tokens, tps=tps, tag=f"{tag}-b", at=at)
            mine = (raw_streams(client, half, tokens, tps, f"{tag}-a", at) if side == "raw"
                    else genlib_streams(vault, half, tokens, tps, f"{tag}-a", at))
            theirs = b.receive()
            walls[side].append(max(mine["end"], theirs["end"]) - at)
            each[side].extend(mine["each"] + theirs["each"])
            ok = ok and mine["ok"] and theirs["ok"]
            if side == "gen":
                ids = mine["ids"] + theirs["ids"]
                ok = ok and len(set(ids)) == 2 * half and _saved_whole(vault, ids, tokens)
                failures.extend(mine["failures"] + theirs["failures"])
    return {"pg_concurrent_ok": ok, "pg_concurrent_overhead_ratio": paired_ratio(walls["gen"], walls["raw"]),
            "details": {"pg_concurrent": f"{2 * half} x {tokens} tokens at {tps:g} tokens/s, {half} per replica",
                        "pg_concurrent_raw_wall_s": summary(walls["raw"], 4),
                        "pg_concurrent_genlib_wall_s": summary(walls["gen"], 4),
                        "pg_concurrent_raw_each_s": summary(each["raw"], 4),
                        "pg_concurrent_genlib_each_s": summary(each["gen"], 4),
                        "pg_concurrent_failures": failures[:3]}}


def follow_lag(vault, b: ReplicaB, streams: int, tokens: int, delay_s: float, loaded: int) -> dict:
    """Slow streams on A, each followed on B: the lag of B's view behind A's own, per piece. The
    keys come from A otherwise idle; then the same again while A also runs `loaded` other
    streams (50 tokens/s, outlasting the followed one), in the details."""
    idle = _followed(vault, b, streams, tokens, delay_s, 0, "idle")
    busy = _followed(vault, b, streams, tokens, delay_s, loaded, "loaded")
    return {"pg_follow_lag_ms_p50": rnd(p50(idle["samples"]), 1), "pg_follow_lag_ms_p99": rnd(p99(idle["samples"]), 1),
            "details": {"pg_follow": f"{streams} streams x {tokens} tokens, {delay_s * 1000:g} ms apart",
                        "pg_follow_lag_ms": summary(idle["samples"], 1),
                        "pg_follow_lag_loaded_ms": summary(busy["samples"], 1),
                        "pg_follow_loaded": f"while {loaded} other streams ran on replica A",
                        "pg_follow_unreached": idle["unreached"] + busy["unreached"],
                        "pg_follow_texts_complete": idle["whole"] and busy["whole"] and busy["load_ok"]}}


def _followed(vault, b: ReplicaB, streams: int, tokens: int, delay_s: float, loaded: int, tag: str) -> dict:
    samples, unreached, whole, load_ok = [], 0, True, True
    load_tokens = int(tokens * delay_s * 50) + 50  # at 50 tokens/s: longer than the followed stream
    for k in range(streams):
        load, background = {}, None
        if loaded:
            background = threading.Thread(target=lambda: load.update(genlib_streams(
                vault, loaded, load_tokens, 50.0, f"pg-load-{tag}-{k}", time.monotonic())))
            background.start()
            time.sleep(0.2)  # its streams have started
        gen_id = vault.start(request(server.prompt(tokens, delay_s, f"pg-follow-{tag}-{k}")), USER)
        b.send("follow", gen_id=gen_id)
        mine = follow_times(vault, gen_id)
        theirs = b.receive()
        if background is not None:
            background.join()
            load_ok = load_ok and load["ok"] and _saved_whole(vault, load["ids"], load_tokens)
        got, missed = lags(mine["seen"], theirs["seen"], theirs["began"])
        samples.extend(got)
        unreached += missed
        final = len(server.expected_text(tokens))
        whole = whole and bool(theirs["seen"]) and theirs["seen"][-1][1] == final == mine["seen"][-1][1]
    return {"samples": samples, "unreached": unreached, "whole": whole, "load_ok": load_ok}
