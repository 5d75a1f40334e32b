"""Targets from issue 4, the machine and versions, and the printed table."""
from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# key: (comparison, target, unit); "report" keys have no target
TARGETS = {
    "ttft_overhead_ms_p50": ("<=", 2, "ms"), "ttft_overhead_ms_p99": ("<=", 10, "ms"),
    "throughput_ratio": ("<=", 1.05, "x"), "per_token_us_p50": ("<=", 20, "µs"),
    "stream_loop_db_calls": ("==", 0, "calls"), "loss_window_ms_max": ("<=", 500, "ms"),
    "concurrent_ok": ("==", True, ""), "concurrent_overhead_ratio": ("<=", 1.05, "x"),
    "history_search_ms_p50": ("<=", 100, "ms"), "history_filter_ms_p50": ("<=", 50, "ms"),
    "costs_ms_p50": ("<=", 50, "ms"), "get_ms_p50": ("<=", 5, "ms"),
    "sqlite_ratio_search": ("report", None, "x"), "sqlite_ratio_filter": ("report", None, "x"),
    "sqlite_ratio_costs": ("report", None, "x"), "sqlite_ratio_get": ("report", None, "x"),
    "dedup_hit_ms_p50": ("<=", 5, "ms"), "peer_llm_ratio": ("<=", 1.0, "x"),
    "page_history_ms": ("<=", 500, "ms"), "page_costs_ms": ("<=", 500, "ms"),
    "history_search_rare_ms_p50": ("<=", 100, "ms"), "history_search_absent_ms_p50": ("<=", 100, "ms"),
    "history_search_phrase_ms_p50": ("<=", 100, "ms"), "history_search_filtered_ms_p50": ("<=", 100, "ms"),
    "history_page_deep_ms_p50": ("<=", 100, "ms"), "search_index_mb": ("report", None, "MB"),
    "search_index_write_ms_p50": ("report", None, "ms"),
    # issue 15: the live view in Chromium (bench/ui_live.py)
    "ui_first_token_ms_p50": ("report", None, "ms"), "ui_first_token_over_ttft_ms_p50": ("<=", 150, "ms"),
    "ui_updates_per_s": (">=", 10, "/s"), "ui_cpu_per_follower_pct": ("report", None, "% of a core"),
    # issue 13: a 4-model comparison vs 4 raw SDK streams (bench/compare.py)
    "compare_overhead_ratio": ("<=", 1.05, "x"), "compare_start_ms_p50": ("report", None, "ms"),
    # issue 13: a 1,000-row batch at concurrency 8 vs a plain loop over the raw SDK (bench/batch.py)
    "batch_ratio": (">=", 0.9, "x"),
}
# issue 11: the streaming keys on the team backends, two replicas (bench/pg_streams.py, its own
# results file: kept apart so the embedded run's table and results.json don't list them as null)
PG_STREAM_TARGETS = {
    "pg_ttft_overhead_ms_p50": ("<=", 2, "ms"), "pg_ttft_overhead_ms_p99": ("<=", 10, "ms"),
    "pg_throughput_ratio": ("<=", 1.05, "x"), "pg_concurrent_ok": ("==", True, ""),
    "pg_concurrent_overhead_ratio": ("<=", 1.05, "x"),
    "pg_follow_lag_ms_p50": ("report", None, "ms"), "pg_follow_lag_ms_p99": ("<=", 1000, "ms"),
}
PACKAGES = ("duckdb", "openai", "httpx2", "streamlit", "pandas", "numpy", "pyarrow", "diskcache",
            "genai-prices", "llm", "sqlite-utils")


def verdict(key: str, value) -> str:
    """"ok", "MISS", "report" or "n/a" (no value) for one key."""
    op, target, _ = TARGETS.get(key) or PG_STREAM_TARGETS.get(key, ("report", None, ""))
    if op == "report":
        return "report"
    if value is None:
        return "n/a"
    good = value == target if op == "==" else value >= target if op == ">=" else value <= target
    return "ok" if good else "MISS"


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    mem = next((line.split()[1] for line in _lines("/proc/meminfo") if line.startswith("MemTotal")), None)
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(int(mem) / 1048576, 1) if mem else None,
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
            "load_avg_1m_at_end": load_avg()}


def load_avg() -> float | None:
    """The 1-minute load average: other work on a shared machine shows up in the tails."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def versions() -> dict:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    found["sqlite"] = sqlite3.sqlite_version
    found["genlib_commit"] = _git("rev-parse", "--short", "HEAD")
    found["genlib_dirty"] = bool(_git("status", "--porcelain", "--", "genlib"))
    return found


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def _git(*args: str) -> str | None:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def table(results: dict, targets: dict = TARGETS) -> str:
    """The key | value | target | verdict table printed at the end of a run."""
    rows = [("key", "value", "target", "verdict")]
    for key in targets:
        op, target, unit = targets[key]
        shown = "" if op == "report" else f"{op} {_fmt(target)} {unit}".strip()
        rows.append((key, _fmt(results.get(key)), shown, verdict(key, results.get(key))))
    if "rows" in results:
        rows.append(("rows", _fmt(results.get("rows")), "", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def markdown(results: dict) -> str:
    """The run's section for docs/PERFORMANCE.md: context lines and the key | value | target table."""
    m, v = results["machine"], results["versions"]
    lines = [f"### {results['date']} — {results['mode']} run, {results['duration_s']} s, "
             f"{_fmt(results.get('rows'))} history rows",
             "",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['os']}, Python {m['python']}; "
             f"load average {m.get('load_avg_1m_at_start')} at start, {m.get('load_avg_1m_at_end')} at end.",
             "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items() if k not in ("genlib_dirty",)) +
             (" (genlib modified)" if v.get("genlib_dirty") else "") + ".",
             "", "| key | value | target | verdict |", "| --- | ---: | --- | --- |"]
    for key, (op, target, unit) in TARGETS.items():
        shown = "report" if op == "report" else f"{op} {_fmt(target)} {unit}".strip()
        lines.append(f"| `{key}` | {_fmt(results.get(key))} | {shown} | {verdict(key, results.get(key))} |")
    return "\n".join(lines)


if __name__ == "__main__":
    import json
    import sys

    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "results.json"
    print(markdown(json.loads(path.read_text())))
