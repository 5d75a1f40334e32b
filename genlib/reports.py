"""Read-side results and maintenance passes: pages, cost reports, re-pricing.

These sit on top of the record store and the pricer; none of them talks to DuckDB directly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal

import pandas as pd

from .filters import Filters, rollup_where, where_clause
from .records import Generation
from .store_sql import BUCKETS, COST_CUBE, COST_CUBE_ROLLUP, COST_TOP, ESTIMATED_TOKENS, GROUPINGS

@dataclass
class Page:
    """One page of History. `next_after` is the cursor of the next page (keyset: rows older than the
    last one shown); `total` counts matches, exactly unless `total_capped`: then at least that many (at most
    1,000 shown; the count stops early rather than read every row holding the terms); `snippets` maps
    ids to (text, matched) segments; `limited`: short terms alone searched only the newest records."""
    items: list[Generation]
    page: int
    page_size: int
    has_more: bool
    next_after: str | None = None
    total: int | None = None
    total_capped: bool = False
    snippets: dict = field(default_factory=dict)
    limited: bool = False


@dataclass
class CostReport:
    totals: dict
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __getattr__(self, name: str) -> pd.DataFrame:
        try:
            return self.frames[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class RepriceReport:
    rows: int = 0
    changed: int = 0
    old_total: Decimal = Decimal(0)
    new_total: Decimal = Decimal(0)
    newly_priced: int = 0
    applied: bool = False
    changes: list[tuple[str, Decimal | None, Decimal | None]] = field(default_factory=list)

    @property
    def difference(self) -> Decimal:
        return self.new_total - self.old_total


def cost_report(store, filters: Filters) -> CostReport:
    """Totals and the Costs page's frames from one grouped scan plus the top-10 query."""
    where, params = where_clause(filters)
    rollup = rollup_where(filters)
    watermark = store.rollup_watermark() if rollup is not None else None
    if watermark is None:
        cube = store.frame(COST_CUBE.format(where=where), params)
    else:  # folded days from the rollup, the last day or two from the base table
        tail_where = f"{where} AND created_utc >= ?" if where else "WHERE created_utc >= ?"
        cube = store.frame(COST_CUBE_ROLLUP.format(rollup_where=rollup[0], tail_where=tail_where),
                           [*rollup[1], *params, datetime.combine(watermark, time.min)])
    and_ = "AND" if where else "WHERE"
    top = store.frame(COST_TOP.format(where=where, and_=and_), params)
    estimated = store.frame(ESTIMATED_TOKENS.format(where=where, and_=and_), params).iloc[0, 0]
    totals = {**_totals(_grouping(cube, "grand").iloc[0]), "estimated_tokens": int(estimated)}
    return CostReport(totals, {**_breakdowns(cube), "top": top})


def _grouping(cube: pd.DataFrame, name: str) -> pd.DataFrame:
    """One grouping set's rows: the cube is sorted by grouping, so this is a slice, not a filter."""
    codes = cube["grouping"].to_numpy()
    start, end = codes.searchsorted(GROUPINGS[name], "left"), codes.searchsorted(GROUPINGS[name], "right")
    return cube.iloc[start:end].reset_index(drop=True)


def _totals(row: pd.Series) -> dict:
    """The grand total: exact Decimals for money (None when nothing is priced), ints for counts."""
    def exact(text):
        return None if text is None or pd.isna(text) else Decimal(text)

    def count(value):
        return 0 if pd.isna(value) else int(value)
    return {"generations": count(row["generations"]), "cost_usd": exact(row["cost_exact"]),
            "tokens": sum(count(row[b]) for b in BUCKETS), "saved_usd": exact(row["saved_exact"]) or Decimal(0),
            "cache_hits": count(row["cache_hits"]), "unpriced": count(row["unpriced"])}


def _breakdowns(cube: pd.DataFrame) -> dict[str, pd.DataFrame]:
    cube = cube.assign(tokens=cube[list(BUCKETS)].sum(axis=1))
    days = _grouping(cube, "tokens_by_day")
    savings = days[days["cache_hits"] > 0].rename(columns={"cache_hits": "hits"})
    return {
        "by_day_model": _grouping(cube, "by_day_model")[["day", "model", "cost_usd", "generations"]],
        "by_user": _grouping(cube, "by_user")[["user_id", "cost_usd", "generations", "tokens"]],
        "by_model": _grouping(cube, "by_model")[["model", "cost_usd", "generations", "tokens", "unpriced"]],
        "tokens_by_day": days[["day", *BUCKETS]].rename(columns=TOKEN_COLUMNS),
        "savings_by_day": savings[["day", "hits", "saved_usd"]].reset_index(drop=True),
    }


TOKEN_COLUMNS = {"input_tokens": "input", "cache_read_tokens": "cache_read", "cache_write_tokens": "cache_write",
                 "output_tokens": "output", "reasoning_tokens": "reasoning", "image_tokens": "image"}


def reprice_rows(vault, apply: bool) -> RepriceReport:
    """Recompute every priced-or-unpriced row with today's table; write only if `apply`."""
    report, updates = RepriceReport(applied=apply), []
    for gen in vault.store.iter_priced_rows():
        if not gen.total_tokens:
            continue
        price = vault.pricer.price(gen.model_used or gen.model_requested, gen.provider or "",
                                   gen.buckets, gen.kind, gen.created_utc, n_images=len(gen.images))
        report.rows += 1
        report.old_total += gen.cost_usd or 0
        report.new_total += price.cost_usd or 0
        if price.cost_usd != gen.cost_usd:
            report.changed += 1
            report.newly_priced += int(gen.cost_usd is None and price.cost_usd is not None)
            report.changes.append((gen.id, gen.cost_usd, price.cost_usd))
            updates.append((gen.id, {"cost_usd": price.cost_usd, "price_source": price.source}))
    if apply and updates:
        vault.store.write_batch(updates=updates)
        vault.store.rebuild_rollup()
    return report
