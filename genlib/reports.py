"""Read-side results: History pages, the cost report (assembled from the store's cost cube) and the
re-pricing report. No SQL here: the store answers in domain terms (backends/base.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd

from .filters import Filters
from .records import Generation

BUCKETS = ("input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens",
           "image_tokens")
# The cost cube (RecordStore.cost_cube): sums per grouping set, sorted by `grouping` (the SQL GROUPING()
# code of (day, model, user_id)), then: days and models by name, users and models by cost, most first.
# Columns: day, model, user_id, grouping, generations, cost_usd (float), cost_exact (text, None when
# nothing is priced), saved_usd, saved_exact, cache_hits, unpriced and each of BUCKETS.
GROUPINGS = {"by_day_model": 1, "tokens_by_day": 3, "by_model": 5, "by_user": 6, "grand": 7}


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
    """Totals and the Costs page's frames from the store's cube plus its top ten."""
    cube = store.cost_cube(filters)
    totals = {**_totals(_grouping(cube, "grand").iloc[0]), "estimated_tokens": store.estimated_tokens(filters)}
    return CostReport(totals, {**_breakdowns(cube), "top": store.top_costs(filters, 10)})


def _grouping(cube: pd.DataFrame, name: str) -> pd.DataFrame:
    """One grouping set's rows: the cube is sorted by grouping, so this is a slice, not a filter."""
    start, end = _bounds(cube, name)
    return cube.iloc[start:end].reset_index(drop=True)


def _bounds(cube: pd.DataFrame, name: str) -> tuple[int, int]:
    codes = cube["grouping"].to_numpy()
    return codes.searchsorted(GROUPINGS[name], "left"), codes.searchsorted(GROUPINGS[name], "right")


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
    # Built from column slices, each frame at once: slicing and reshaping the whole cube made pandas
    # consolidate and copy every column of a freshly fetched cube (~2/3 of the report's Python time).
    def part(name: str, columns: list[str], rows=slice(None)) -> dict:
        start, end = _bounds(cube, name)
        return {column: cube[column].array[start:end][rows] for column in columns}

    def with_tokens(name: str, first: list[str], last: list[str] = ()) -> pd.DataFrame:
        buckets = part(name, list(BUCKETS))
        tokens = np.nansum([np.asarray(v, dtype="float64") for v in buckets.values()], axis=0)
        return pd.DataFrame({**part(name, first), "tokens": tokens, **part(name, list(last))})

    hits = np.asarray(part("tokens_by_day", ["cache_hits"])["cache_hits"], dtype="float64") > 0
    savings = part("tokens_by_day", ["day", "cache_hits", "saved_usd"], hits)
    return {
        "by_day_model": pd.DataFrame(part("by_day_model", ["day", "model", "cost_usd", "generations"])),
        "by_user": with_tokens("by_user", ["user_id", "cost_usd", "generations"]),
        "by_model": with_tokens("by_model", ["model", "cost_usd", "generations"], ["unpriced"]),
        "tokens_by_day": pd.DataFrame(part("tokens_by_day", ["day", *BUCKETS])).rename(columns=TOKEN_COLUMNS),
        "savings_by_day": pd.DataFrame(savings).rename(columns={"cache_hits": "hits"}),
    }


TOKEN_COLUMNS = {"input_tokens": "input", "cache_read_tokens": "cache_read", "cache_write_tokens": "cache_write",
                 "output_tokens": "output", "reasoning_tokens": "reasoning", "image_tokens": "image"}
