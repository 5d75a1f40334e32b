"""Read paths at scale: history search, a filtered page, the costs aggregates, one record by id.

Everything goes through the public `Vault` API (what the pages call), against a database filled
through `store.bulk_append` with the synthetic history of `bench.dataset`. Each query is timed
`query_trials` times after one warm-up; the same questions are asked of SQLite (`bench.sqlite_ref`)
on the same rows, and `sqlite_ratio_*` is SQLite's median over genlib's (above 1: genlib faster).
"""
from __future__ import annotations

import random
from datetime import timedelta

from genlib import Filters

from .stats import p50, ratio, rnd, summary, time_ms

FILTERED_USER, FILTERED_MODEL, FILTER_DAYS = "user03@example.com", "gpt-4.1-mini", 30


def questions(info: dict) -> dict:
    """The four questions, as parameters both engines can use."""
    since = (info["end"] - timedelta(days=FILTER_DAYS)).date()
    return {"search": Filters(q=info["search_term"]),
            "filter": Filters(user_id=FILTERED_USER, model=FILTERED_MODEL, date_from=since),
            "costs": Filters()}


def duckdb_timings(vault, info: dict, sizes) -> tuple[dict, dict]:
    """(samples in ms per query, checks that the answers are real) through the Vault."""
    q, ids = questions(info), list(info["sample_ids"])
    rng = random.Random(3)
    samples = {
        "search": time_ms(lambda: vault.search(q["search"], page=1, page_size=50), sizes.query_trials),
        "filter": time_ms(lambda: vault.search(q["filter"], page=1, page_size=50), sizes.query_trials),
        "costs": time_ms(lambda: vault.costs(q["costs"]), sizes.query_trials),
        "get": time_ms(lambda: vault.get(rng.choice(ids)), sizes.query_trials * 5),
    }
    checks = {"search_rows": len(vault.search(q["search"]).items),
              "filter_rows": len(vault.search(q["filter"]).items),
              "costs_generations": int(vault.costs(q["costs"]).totals["generations"]),
              "get_found": vault.get(ids[0]) is not None}
    return samples, checks


def results(duck: dict, sqlite: dict | None, checks: dict, info: dict, rows: int) -> dict:
    """The results.json keys for the query benchmarks, plus details."""
    out = {f"{name}_ms_p50": rnd(p50(duck[key]), 2) for name, key in
           (("history_search", "search"), ("history_filter", "filter"), ("costs", "costs"), ("get", "get"))}
    for key in ("search", "filter", "costs", "get"):
        out[f"sqlite_ratio_{key}"] = ratio(p50(sqlite[key]), p50(duck[key]), 3) if sqlite else None
    out["details"] = {
        "rows": rows, "search_term": info["search_term"], "checks": checks,
        "filter": f"user {FILTERED_USER}, model {FILTERED_MODEL}, last {FILTER_DAYS} days, page 1 of 50",
        "costs_filter": "all time (every aggregate of vault.costs)",
        **{f"duckdb_{k}_ms": summary(v, 2) for k, v in duck.items()},
        **({f"sqlite_{k}_ms": summary(v, 2) for k, v in sqlite.items()} if sqlite else {}),
    }
    return out
