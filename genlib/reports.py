"""Read-side results and maintenance passes: pages, cost reports, re-pricing, the start-up sweep.

These sit on top of the record store and the pricer; none of them talks to DuckDB directly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from .filters import Filters, where_clause
from .records import INTERRUPTED, Generation
from .store import utcnow
from .store_sql import COST_QUERIES
from .costing import apply_usage
from .usage import estimate_chat_usage

INTERRUPTED_MESSAGE = "The app stopped while this was running; the text received until then is kept."


@dataclass
class Page:
    items: list[Generation]
    page: int
    page_size: int
    has_more: bool


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
    where, params = where_clause(filters)
    and_ = "AND" if where else "WHERE"
    frames = {name: store.frame(query.format(where=where, and_=and_), params)
              for name, query in COST_QUERIES.items() if name != "totals"}
    totals = store.row_dict(COST_QUERIES["totals"].format(where=where, and_=and_), params)
    return CostReport(totals, frames)


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
    return report


def sweep_interrupted(vault) -> int:
    """Rows a dead process left pending/streaming become `interrupted`, text and estimate kept."""
    finals = []
    for gen in vault.store.live_rows():
        gen.status, gen.finished_utc = INTERRUPTED, utcnow()
        gen.error = gen.error or INTERRUPTED_MESSAGE
        if gen.kind == "text" and gen.result_text:
            _estimate_cost(vault, gen)
        finals.append(gen)
    if finals:
        vault.store.write_batch(finals=finals)
        vault.cache.forget_ids({gen.id for gen in finals})
    return len(finals)


def _estimate_cost(vault, gen: Generation) -> None:
    """The provider billed the tokens it sent: estimate them rather than record $0."""
    usage = estimate_chat_usage(gen.messages, gen.result_text)
    apply_usage(gen, usage, vault.pricer, gen.provider or "", estimated=True)
