"""The Vault's reading side for pages, the CLI and notebooks: several records at once, History
pages (search), conversation threads, the cost report, exports, re-pricing and the search index's
rebuild. Mixed into `Vault` (api.py), which owns the store, the live registry, the pricer, the
persister and the recent-records cache used here.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from .filters import Filters, clamp_page
from .ids import looks_like_id
from .pricing.reprice import reprice_rows
from .records import Generation
from .reports import CostReport, Page, RepriceReport, cost_report
from .search.plan import NEWEST


class Reports:
    def get_many(self, gen_ids: Sequence[str], user_id: str | None = None) -> list[Generation]:
        """`get` for several ids, in the order given, leaving out what `get` would not return: one
        store query for those neither live in this process nor just finished."""
        ids = [gen_id for gen_id in dict.fromkeys(gen_ids) if looks_like_id(gen_id)]
        found = {}
        for gen_id in ids:
            live = self.registry.get(gen_id)
            gen = live.snapshot().record if live is not None else self.recent.get(gen_id)
            if gen is not None:
                found[gen_id] = gen
        found.update((gen.id, gen) for gen in self.store.get_many([i for i in ids if i not in found]))
        return [found[i] for i in ids if i in found and (user_id is None or found[i].user_id == user_id)]

    def thread(self, gen_id: str) -> list[Generation]:
        return self.store.thread(gen_id) if looks_like_id(gen_id) else []

    def search(self, filters: Filters = Filters(), page: int = 1, page_size: int = 50, *,
               after: str | None = None, order: str = NEWEST) -> Page:
        """One page, newest first (or order="best": best match first). `after` is a page's
        `next_after` (keyset paging: the rows older than it); without it, `page` counts pages."""
        page, page_size = clamp_page(page, page_size)
        return self.store.search(filters, page, page_size, after, order)

    def reindex(self, progress=None) -> int:
        """Rebuild the search index from the records; `progress(done, total)` per batch."""
        self.persister.flush()
        return self.store.reindex(progress)

    def costs(self, filters: Filters = Filters()) -> CostReport:
        return cost_report(self.store, filters)

    def export(self, dest: Path, fmt: str, filters: Filters = Filters(), progress=None) -> Path:
        """The filtered rows as csv, jsonl or parquet, in bounded memory; `progress(done, total)` is
        called after each window of rows. CSV text cells are neutralized against formula injection."""
        return self.store.export(filters, fmt, dest, progress)

    def reprice(self, apply: bool = False) -> RepriceReport:
        report = reprice_rows(self.store, self.pricer, apply)
        if apply:
            self.recent.clear()  # the only change to a finished record
        return report
