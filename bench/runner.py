"""Runs every benchmark against one loopback server and gathers results.json.

Order: streaming (TTFT, throughput, loss window, concurrency, the `llm` peer) on a fresh Vault;
the stream loop on a stub provider; the live view in Chromium against `streamlit run app.py`; then the big history (generated once per run into a temp
dir, deleted at the end): queries on DuckDB and SQLite, dedup hits, the pages. A phase that
fails records its keys as null and the error under "errors"; the others still run.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
import traceback
from datetime import date
from pathlib import Path

from . import compare, concurrency, dataset, dedup, history, latency, losswindow, pages, peer_llm, pertoken, report
from . import batch, search, ui_live
from .harness import StoreCalls, make_vault, raw_client
from .server import ServerProcess, prompt
from .sqlite_ref import SQLiteReference


class Run:
    """Collects keys, details and errors while phases run."""

    def __init__(self, sizes, log):
        self.sizes, self.log = sizes, log
        self.values: dict = {}
        self.details: dict = {}
        self.errors: dict = {}

    def phase(self, name: str, keys: tuple[str, ...], fn) -> dict | None:
        """Run fn(); its dict's keys go to values, its "details" to details; errors null the keys."""
        self.log(f"[bench] {name} ...")
        start = time.perf_counter()
        try:
            out = fn() or {}
        except Exception as exc:  # noqa: BLE001 - one broken phase must not hide the others
            self.errors[name] = f"{type(exc).__name__}: {exc}"
            self.log(traceback.format_exc())
            self.values.update({key: None for key in keys})
            return None
        self.details.update(out.pop("details", {}))
        self.values.update({k: v for k, v in out.items() if k in keys or k == "rows"})
        self.log(f"[bench] {name} done in {time.perf_counter() - start:.1f} s")
        return out


def run(sizes, log=print) -> dict:
    """Every phase at these sizes; the dict written to results.json."""
    started, r = time.perf_counter(), Run(sizes, log)
    load_at_start = report.load_avg()
    workdir = Path(tempfile.mkdtemp(prefix="genvault-bench-"))
    try:
        with ServerProcess() as srv:
            _streaming(r, srv.base_url, workdir)
            r.phase("ui live (Chromium)", ui_live.KEYS, lambda: ui_live.ui_live(srv.base_url, sizes))
            r.phase("batch", batch.KEYS, lambda: batch.batch(srv.base_url, workdir, sizes))
            _history(r, srv.base_url, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results = _assemble(r, time.perf_counter() - started)
    results["machine"]["load_avg_1m_at_start"] = load_at_start
    return results


def _streaming(r: Run, base_url: str, workdir: Path) -> None:
    sizes, client = r.sizes, raw_client(base_url)
    vault = make_vault(workdir / "stream", base_url)
    calls, probes = StoreCalls(vault.store), {}
    phases = [
        ("ttft", ("ttft_overhead_ms_p50", "ttft_overhead_ms_p99"), lambda: latency.ttft(vault, client, sizes)),
        ("throughput", ("throughput_ratio",), lambda: latency.throughput(vault, client, sizes)),
        ("loss window, fast stream", (), lambda: _probe_fast(vault, sizes, probes)),
        ("concurrent", ("concurrent_ok", "concurrent_overhead_ratio"),
         lambda: _concurrent(vault, client, sizes, probes)),
        ("peer llm", ("peer_llm_ratio",), lambda: peer_llm.peer(vault, base_url, workdir / "llm", sizes)),
        ("compare", compare.KEYS, lambda: compare.compare_overhead(vault, client, sizes)),
    ]
    try:
        for name, keys, fn in phases:
            r.phase(name, keys, fn)
            r.details.setdefault("commit_ms", {})[name] = calls.take_write_summary()
    finally:
        vault.close()
    r.phase("loss window", ("loss_window_ms_max",), lambda: losswindow.summarize(probes))
    out = r.phase("per token", ("per_token_us_p50", "per_token_us_p99", "stream_loop_db_calls"),
                  lambda: pertoken.per_token(workdir / "stub", sizes))
    if out:
        r.values["stream_loop_db_calls"] = out["stream_loop_db_calls"] + calls.worker_calls()


def _concurrent(vault, client, sizes, probes: dict) -> dict:
    out = concurrency.concurrent(vault, client, sizes, losswindow.LossWindowProbe)
    probes["concurrent"] = out.pop("probe")
    return out


def _probe_fast(vault, sizes, probes: dict) -> dict:
    with losswindow.LossWindowProbe(vault) as probe:
        latency.genlib_stream(vault, prompt(sizes.throughput_tokens, 0, "loss-fast"))
    probes["fast_stream"] = probe
    return {}


QUERY_KEYS = ("history_search_ms_p50", "history_filter_ms_p50", "costs_ms_p50", "get_ms_p50",
              "sqlite_ratio_search", "sqlite_ratio_filter", "sqlite_ratio_costs", "sqlite_ratio_get")


def _history(r: Run, base_url: str, workdir: Path) -> None:
    sizes, data_dir = r.sizes, workdir / "history"
    state: dict = {}
    r.phase(f"dataset ({sizes.rows:,} rows)", (), lambda: _load(data_dir, workdir, sizes, state))
    if "info" not in state:
        if "sqlite" in state:
            state["sqlite"].close()
        r.values.update({k: None for k in (*QUERY_KEYS, *search.KEYS, "dedup_hit_ms_p50", "page_history_ms",
                                           "page_costs_ms")})
        return
    vault = make_vault(data_dir, base_url)
    try:
        r.phase("queries", QUERY_KEYS, lambda: _queries(vault, state, sizes))
        r.phase("search", (*search.KEYS, "search_index_mb", "search_index_write_ms_p50"),
                lambda: _search(vault, state, sizes))
        r.phase("dedup", ("dedup_hit_ms_p50", "dedup_hit_ms_p99"), lambda: dedup.dedup_hits(vault, sizes))
    finally:
        vault.close()
        state["sqlite"].close()
    r.phase("pages", ("page_history_ms", "page_costs_ms"), lambda: pages.pages(data_dir, base_url, sizes))


def _load(data_dir: Path, workdir: Path, sizes, state: dict) -> dict:
    from genlib.search.index import SearchIndex
    from genlib.search.sync import rebuild
    from genlib.backends.duckdb.store import DuckDBStore

    store, ref = DuckDBStore(data_dir / "genvault.duckdb"), SQLiteReference(workdir / "reference.sqlite")
    state["sqlite"], start = ref, time.perf_counter()
    try:
        state["info"] = dataset.generate(sizes.rows, [store.bulk_append, ref.sink])
        ref.finish()
        # The app folds closed days into the cost rollup once, at its first flush; do it here, so
        # the query timings see the steady state rather than racing that one-off fold.
        fold_start = time.perf_counter()
        store.fold_rollup()
        fold_s = time.perf_counter() - fold_start
        index_start = time.perf_counter()  # what `python -m genlib reindex` does
        index = SearchIndex(data_dir / "search.sqlite")
        rebuild(index, store)
        index.close()
        state["index_build_s"] = time.perf_counter() - index_start
    finally:
        store.close()
    # Several GB were just written (DuckDB and SQLite files): let the kernel write them back now
    # instead of during the timed queries.
    sync_start = time.perf_counter()
    os.sync()
    size_mb = (data_dir / "genvault.duckdb").stat().st_size / 1e6
    return {"rows": sizes.rows, "details": {"dataset_load_s": round(time.perf_counter() - start, 1),
                                            "rollup_fold_s": round(fold_s, 2),
                                            "search_index_build_s": round(state["index_build_s"], 1),
                                            "writeback_sync_s": round(time.perf_counter() - sync_start, 2),
                                            "duckdb_file_mb": round(size_mb)}}


def _queries(vault, state: dict, sizes) -> dict:
    duck, checks = history.duckdb_timings(vault, state["info"], sizes)
    sqlite = state["sqlite"].timings(state["info"], sizes)
    return history.results(duck, sqlite, checks, state["info"], sizes.rows)


def _search(vault, state: dict, sizes) -> dict:
    duck, checks = search.timings(vault, state["info"], sizes.query_trials)
    sqlite = state["sqlite"].search_timings(search.questions(state["info"]), sizes.sqlite_trials)
    write_ms = search.index_write_ms(vault, sizes.query_trials)
    return search.results(duck, sqlite, checks, vault, write_ms, state["index_build_s"])


def _assemble(r: Run, seconds: float) -> dict:
    values = {key: r.values.get(key) for key in report.TARGETS}
    values["per_token_us_p99"] = r.values.get("per_token_us_p99")
    values["dedup_hit_ms_p99"] = r.values.get("dedup_hit_ms_p99")
    return {"date": date.today().isoformat(), "mode": r.sizes.name, "duration_s": round(seconds, 1),
            **values, "rows": r.values.get("rows"), "machine": report.machine(), "versions": report.versions(),
            "verdicts": {key: report.verdict(key, values[key]) for key in report.TARGETS},
            "details": r.details, "errors": r.errors}
