"""History search at scale (issue 12): specific terms, filters, deep pages, the index's cost.

Five questions through `Vault.search` (page 1 of 50 unless said): the dataset's rarest word, a
string found nowhere, a two-word phrase, status `interrupted` + the mid-frequency word, and page 20
of the mid word reached by its keyset cursor; plus the rarest word in best-match order (details
only). The same questions go to the SQLite reference (`instr(lower(...))` scans, OFFSET for the
deep page). Also the index's size on disk and the cost of indexing one finished generation (the
persister's call, on the full index).
"""
from __future__ import annotations

import time
from datetime import timedelta

from genlib import Filters
from genlib.search.index import row_of

from .stats import p50, rnd, summary, time_ms

ABSENT = "qzxv-nowhere-7731"
DEEP_PAGE = 20
KEYS = ("history_search_rare_ms_p50", "history_search_absent_ms_p50", "history_search_phrase_ms_p50",
        "history_search_filtered_ms_p50", "history_page_deep_ms_p50")


def questions(info: dict) -> dict:
    return {"rare": Filters(q=info["rare_term"]), "absent": Filters(q=ABSENT),
            "phrase": Filters(q=f'"{info["phrase"]}"'),
            "filtered": Filters(q=info["search_term"], status="interrupted"),
            "deep": Filters(q=info["search_term"])}


def deep_cursor(vault, filters: Filters) -> str | None:
    """The `after` cursor of page DEEP_PAGE, by walking the pages as a user clicking Next does."""
    after = None
    for _ in range(DEEP_PAGE - 1):
        after = vault.search(filters, page_size=50, after=after).next_after
    return after


def timings(vault, info: dict, trials: int) -> tuple[dict, dict]:
    """(samples in ms per question, match counts and rows returned as checks)."""
    q = questions(info)
    cursor = deep_cursor(vault, q["deep"])
    calls = {name: (lambda f=f: vault.search(f, page_size=50)) for name, f in q.items() if name != "deep"}
    calls["deep"] = lambda: vault.search(q["deep"], page_size=50, after=cursor)
    calls["best"] = lambda: vault.search(q["rare"], page_size=50, order="best")  # details only: no target
    samples = {name: time_ms(call, trials) for name, call in calls.items()}
    checks = {}
    for name, call in calls.items():
        page = call()
        checks[name] = {"rows": len(page.items), "matches": f"{page.total}+" if page.total_capped else page.total}
    return samples, checks


def index_write_ms(vault, trials: int) -> list[float]:
    """Indexing one finished generation (~1.3 kB of text) into the full index, as the persister does."""
    gen = vault.search(Filters(status="complete"), page_size=1).items[0]
    out = []
    for i in range(trials):
        gen.id, gen.created_utc = f"benchwrite{i:011d}", gen.created_utc + timedelta(microseconds=1)
        start = time.perf_counter()
        vault.store.search_index.upsert([row_of(gen)], synced_until=gen.created_utc)
        out.append((time.perf_counter() - start) * 1000)
    return out


def results(duck: dict, sqlite: dict | None, checks: dict, vault, write_ms: list[float], build_s: float) -> dict:
    names = ("rare", "absent", "phrase", "filtered", "deep")
    out = {key: rnd(p50(duck[name]), 2) for key, name in zip(KEYS, names)}
    out["search_index_mb"] = round(vault.store.search_index.size_bytes() / 1e6)
    out["search_index_write_ms_p50"] = rnd(p50(write_ms), 3)
    out["details"] = {"search": {
        "checks": checks, "index_build_s": round(build_s, 1), "index_write_ms": summary(write_ms, 3),
        **{f"duckdb_{k}_ms": summary(v, 2) for k, v in duck.items()},
        **({f"sqlite_{k}_ms": summary(v, 2) for k, v in sqlite.items()} if sqlite else {})}}
    return out
