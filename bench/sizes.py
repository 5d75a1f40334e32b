"""How big each benchmark is in the full run, the quick run (< 1 minute) and the tiny test run."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    name: str
    ttft_pairs: int            # raw/genlib pairs for time to first token
    ttft_tokens: int           # tokens per TTFT answer ...
    ttft_delay_s: float        # ... paced like a real provider, so the stream isn't CPU-bound
    throughput_pairs: int
    throughput_tokens: int     # the 5,000-token answers, as fast as the server can
    per_token_trials: int
    per_token_events: int      # stream events per per-token trial (no network)
    concurrent: int            # generations streaming at once
    concurrent_tokens: int     # tokens each, at concurrent_tps
    concurrent_tps: float
    concurrent_pairs: int
    rows: int                  # history rows for the query benchmarks
    query_trials: int
    sqlite_trials: int
    dedup_trials: int
    peer_pairs: int
    peer_tokens: int
    page_runs: int
    ui_trials: int = 5         # generations watched in Chromium (starter tab + a follower tab)
    ui_tokens: int = 200       # tokens each, 20 ms apart
    ui_followers: int = 10     # tabs following one long generation for the CPU figure
    ui_follow_tokens: int = 9000   # 3 minutes at 50 a second: outlasts ten follower tabs opening on a slow moment (then Stop)
    ui_cpu_window_s: float = 5.0
    compare_pairs: int = 6     # 4-model comparisons vs 4 raw streams (bench/compare.py)
    compare_tokens: int = 200  # tokens per panel, at 50 tokens/s


FULL = Sizes("full", ttft_pairs=300, ttft_tokens=4, ttft_delay_s=0.005, throughput_pairs=24,
             throughput_tokens=5000, per_token_trials=5, per_token_events=20_000, concurrent=64,
             concurrent_tokens=250, concurrent_tps=50.0, concurrent_pairs=3, rows=1_000_000,
             query_trials=20, sqlite_trials=3, dedup_trials=100, peer_pairs=40, peer_tokens=200,
             page_runs=5)
QUICK = Sizes("quick", ttft_pairs=60, ttft_tokens=4, ttft_delay_s=0.005, throughput_pairs=3,
              throughput_tokens=5000, per_token_trials=2, per_token_events=10_000, concurrent=64,
              concurrent_tokens=50, concurrent_tps=50.0, concurrent_pairs=1, rows=100_000,
              query_trials=10, sqlite_trials=2, dedup_trials=20, peer_pairs=10, peer_tokens=200,
              page_runs=2, ui_trials=3, ui_followers=5, ui_cpu_window_s=3.0, compare_pairs=2, compare_tokens=100)
TINY = Sizes("tiny", ttft_pairs=5, ttft_tokens=3, ttft_delay_s=0.002, throughput_pairs=1,
             throughput_tokens=300, per_token_trials=1, per_token_events=500, concurrent=8,
             concurrent_tokens=10, concurrent_tps=50.0, concurrent_pairs=1, rows=2_000,
             query_trials=2, sqlite_trials=1, dedup_trials=2, peer_pairs=2, peer_tokens=20,
             page_runs=1, ui_trials=0, compare_pairs=1, compare_tokens=10)
PRESETS = {s.name: s for s in (FULL, QUICK, TINY)}
