"""History pages for `Vault.search`: the search index when it is ready, else the DuckDB scan.

At start the index catches up with what it missed (see search_sync). An index that has never been
complete (first start after an upgrade, a new schema version) is built here: at once when the
history is small, else in a background thread while searches use the slower scan meanwhile.
"""
from __future__ import annotations

import logging
import threading

from ..clock import utcnow
from ..filters import Filters, make_cursor, parse_cursor
from ..reports import Page
from .index import FIELDS, SearchIndex
from .plan import COUNT_CAP, NEWEST, search_index
from .query import parse
from .sync import catch_up, rebuild
from .snippets import snippet

log = logging.getLogger(__name__)
BUILD_AT_START_ROWS = 50_000  # below this, a missing index is built before the Vault opens


class HistorySearch:
    def __init__(self, store, index: SearchIndex, registry):
        self.store, self.index, self._registry = store, index, registry
        self.ready = threading.Event()
        self._stop_build = threading.Event()
        self._builder: threading.Thread | None = None

    def prepare(self) -> None:
        """Catch up (or build) the index; call after the start-up sweep, before the persister. A
        failure here must not keep the app from opening: the scan serves, the next start retries."""
        try:
            self._prepare()
        except Exception as exc:  # noqa: BLE001 - derived data
            log.warning("The search index could not be brought up to date: %s", exc)

    def _prepare(self) -> None:
        if self.index.complete:
            catch_up(self.index, self.store)
            self.ready.set()
        elif self.store.count_rows() < BUILD_AT_START_ROWS:
            rebuild(self.index, self.store)
            self.ready.set()
        else:
            self._builder = threading.Thread(target=self._build, args=(utcnow(),), name="genlib-index-build",
                                             daemon=True)
            self._builder.start()

    def rebuild(self, progress=None) -> int:
        """Empty the index and index every record again (`python -m genlib reindex`). Live records
        are left to the writer, which indexes them as they stream and finish."""
        self.stop()
        self.ready.clear()  # searches use the scan meanwhile
        self.index.clear()
        live = self._registry.get
        done = rebuild(self.index, self.store, progress, skip=lambda gen_id: live(gen_id) is not None)
        self.ready.set()
        return done

    def _build(self, until) -> None:
        """Rows created from now on come through the persister; the live ones are left to it."""
        try:
            live = self._registry.get
            rebuild(self.index, self.store, until=until, skip=lambda gen_id: live(gen_id) is not None,
                    stop=self._stop_build)
            if not self._stop_build.is_set():
                catch_up(self.index, self.store, skip=lambda gen_id: live(gen_id) is not None)
                self.ready.set()
        except Exception as exc:  # noqa: BLE001 - the scan keeps serving; the next start retries
            log.warning("Building the search index failed: %s", exc)

    def bulk_loaded(self, frame) -> None:
        """Rows loaded with `store.bulk_append` (imports, tests) go into the index at once."""
        rows = frame[list(FIELDS)].astype(object)
        self.index.upsert([tuple(r) for r in rows.where(rows.notna(), None).itertuples(index=False)])

    def stop(self) -> None:
        """Stop a background build at its next batch (before a rebuild, or when the Vault closes)."""
        self._stop_build.set()
        if self._builder is not None:
            self._builder.join()
        self._stop_build.clear()

    def page(self, filters: Filters, page: int, size: int, after: str | None = None, order: str = NEWEST) -> Page:
        query, before = parse(filters.q), parse_cursor(after) if order == NEWEST else None
        offset = 0 if before else (page - 1) * size
        if self.ready.is_set():
            user_ids = self.store.accounts_of(filters.user_id) if filters.user_id is not None else None
            rowid = self.index.rowid_at(*before) if before else None  # None: every row is older
            hits = search_index(self.index, query, filters, user_ids, size + 1, offset, rowid, order)
            rows, total, capped, limited = self.store.get_many(hits.ids), hits.total, not hits.exact, hits.limited
            if filters.visible_to is not None:  # the records themselves decide, should the index lag
                rows = [g for g in rows if g.user_id == filters.visible_to]
        else:
            rows = self.store.scan(filters, size + 1, offset, before)
            total, capped, limited = None, False, False
        items = rows[:size]
        return Page(items, page, size, has_more=len(rows) > size,
                    next_after=make_cursor(items[-1].created_utc, items[-1].id) if items else None,
                    total=min(total, COUNT_CAP) if capped else total, total_capped=capped,
                    snippets={g.id: snippet(g, query) for g in items} if query else {}, limited=limited)
