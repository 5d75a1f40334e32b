"""Re-pricing: every record priced again with today's table (`Vault.reprice`, `genlib reprice`).

A dry run by default; with `apply` the changed costs go to the store in one write, which also
recomputes any cost rollup it keeps.
"""
from __future__ import annotations

from ..reports import RepriceReport


def reprice_rows(store, pricer, apply: bool) -> RepriceReport:
    """Recompute every priced-or-unpriced row with today's table; write only if `apply`."""
    report, prices = RepriceReport(applied=apply), []
    for gen in store.priced_rows():
        if not gen.total_tokens:
            continue
        price = pricer.price(gen.model_used or gen.model_requested, gen.provider or "",
                             gen.buckets, gen.kind, gen.created_utc, n_images=len(gen.images))
        report.rows += 1
        report.old_total += gen.cost_usd or 0
        report.new_total += price.cost_usd or 0
        if price.cost_usd != gen.cost_usd:
            report.changed += 1
            report.newly_priced += int(gen.cost_usd is None and price.cost_usd is not None)
            report.changes.append((gen.id, gen.cost_usd, price.cost_usd))
            prices.append((gen.id, price.cost_usd, price.source))
    if apply and prices:
        store.set_prices(prices)
    return report
