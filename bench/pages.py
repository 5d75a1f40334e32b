"""Server-side render time of the History and Costs pages on the big database, with AppTest.

The app runs as in production (`app.py`, `st.navigation`, the process-wide Vault from
`st.cache_resource`) on the benchmark's data dir, single-user (admin: every row visible). The
first `at.run()` opens the Vault (reported as `app_first_run_ms`); then each page is switched to
and run `page_runs + 1` times: the first (imports, first query) is reported as cold, the key is
the median of the others, i.e. what a user waits for on each rerun. A page that doesn't exist
yet, or raises, gives null and a reason.
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path

from .stats import p50, rnd, summary

ROOT = Path(__file__).resolve().parent.parent
PAGES = {"page_history_ms": "pages/history.py", "page_costs_ms": "pages/costs.py"}


@contextmanager
def _app_env(data_dir: Path, base_url: str):
    values = {"GENLIB_DATA_DIR": str(data_dir), "OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": "x"}
    cleared = ("GENLIB_USER", "GENLIB_ADMINS", "GENLIB_MODELS", "GENLIB_PRICES_FILE", "LLM_USER_PATH")
    saved = {name: os.environ.get(name) for name in (*values, *cleared)}
    os.environ.update(values)
    for name in cleared:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _timed_run(at) -> float:
    start = time.perf_counter()
    at.run()
    return (time.perf_counter() - start) * 1000.0


def _page(at, script: str, runs: int) -> tuple[float | None, dict]:
    at.switch_page(script)
    cold = _timed_run(at)
    warm = [_timed_run(at) for _ in range(runs)]
    if at.exception:
        return None, {"reason": f"{script} raised: {str(at.exception[0].value)[:300]}"}
    return rnd(p50(warm), 1), {"cold_ms": rnd(cold, 1), "runs_ms": summary(warm, 1)}


def pages(data_dir: Path, base_url: str, sizes) -> dict:
    """page_history_ms / page_costs_ms, or null with a reason in details."""
    missing = [s for s in ("app.py", *PAGES.values()) if not (ROOT / s).exists()]
    if missing:
        reason = f"not written yet: {', '.join(missing)}"
        return {**{key: None for key in PAGES}, "details": {"pages": {"reason": reason}}}
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    out, details = {}, {}
    with _app_env(data_dir, base_url):
        st.cache_resource.clear()
        try:
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
            details["app_first_run_ms"] = rnd(_timed_run(at), 1)
            for key, script in PAGES.items():
                out[key], details[key] = _page(at, script, sizes.page_runs)
        finally:
            st.cache_resource.clear()  # closes the app's Vault (one DuckDB open per process)
    return {**out, "details": {"pages": details}}
