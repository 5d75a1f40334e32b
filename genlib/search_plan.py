"""One SQLite query per History page: text terms, filters, visibility, order, cursor and limit.

Built from a parsed `Query` and `Filters`; every value is a bound parameter. With an indexed term the
FTS5 table drives (newest first is its own rowid order, so it stops at the page's last row); without
one, `docs` drives in rowid order through the index of the filtered column. Every term is checked
on each candidate row; without a wanted term of 3+ characters to narrow them (short or excluded
terms only) the check reads at most the newest SHORT_SCAN_ROWS records (`limited`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from .filters import Filters
from .search_index import SearchIndex, time_key
from .search_query import Query, Term, fts_match

COUNT_CAP = 1000
SHORT_SCAN_ROWS = 20_000
NEWEST, BEST = "newest", "best"


@dataclass
class Hits:
    ids: list[str]
    total: int          # matches, counted up to COUNT_CAP + 1
    limited: bool       # only the newest SHORT_SCAN_ROWS records were searched

    @property
    def capped(self) -> bool:
        return self.total > COUNT_CAP


def search_index(index: SearchIndex, query: Query, filters: Filters, user_ids: list[str] | None,
                 limit: int, offset: int = 0, before: int | None = None, order: str = NEWEST) -> Hits:
    """Ids of one page, plus the match count. `before`: a rowid cursor (rows older than it)."""
    wanted = fts_match(query)
    key = "text_index.rowid" if wanted else "d.rowid"
    source = "FROM text_index CROSS JOIN docs d ON d.rowid = text_index.rowid" if wanted else "FROM docs d"
    conds, params = [], []
    if wanted:
        conds.append("text_index MATCH ?")
        params.append(wanted)
    limited = _bound_short_scan(index, query, wanted, key, conds, params)
    _filter_conds(filters, user_ids, key, conds, params)
    if query:  # the index keeps no positions: every candidate is checked, after the cheap filters
        checks, values = zip(*(_term_check(term) for term in query.terms))
        conds.append(f"(SELECT {' AND '.join(checks)} FROM text_index t WHERE t.rowid = d.rowid)")
        params += [v for pair in values for v in pair]
    where = ("WHERE " + " AND ".join(conds)) if conds else ""
    total = index.execute(f"SELECT count(*) FROM (SELECT 1 {source} {where} LIMIT {COUNT_CAP + 1})", params)[0][0]
    if before is not None:
        where = f"{where} AND {key} < ?" if where else f"WHERE {key} < ?"
        params = [*params, before]
    ordering = "bm25(text_index), d.rowid DESC" if order == BEST and wanted else f"{key} DESC"
    rows = index.execute(f"SELECT d.id {source} {where} ORDER BY {ordering} LIMIT ? OFFSET ?",
                         [*params, limit, offset])
    return Hits([r[0] for r in rows], total, limited)


def _term_check(term: Term) -> tuple[str, list]:
    """SQL true when the prompt or the answer contains the term (false if excluded), ignoring case.
    An ASCII term uses SQLite's lower() and instr() (C speed, exact for ASCII); others casefold."""
    negate = "NOT " if term.excluded else ""
    if term.text.isascii():
        needle = term.text.lower()
        return f"{negate}(instr(lower(t.prompt), ?) > 0 OR instr(lower(t.result_text), ?) > 0)", [needle, needle]
    return f"{negate}(gv_contains(t.prompt, ?) OR gv_contains(t.result_text, ?))", [term.text, term.text]


def _bound_short_scan(index: SearchIndex, query: Query, wanted: str | None, key: str, conds: list,
                      params: list) -> bool:
    """Terms but none the index can narrow by (short or excluded only): read the newest records."""
    if wanted or not query:
        return False
    bound = index.execute("SELECT rowid FROM docs ORDER BY rowid DESC LIMIT 1 OFFSET ?", [SHORT_SCAN_ROWS])
    if not bound:
        return False
    conds.append(f"{key} > ?")
    params.append(bound[0][0])
    return True


def _filter_conds(filters: Filters, user_ids: list[str] | None, key: str, conds: list, params: list) -> None:
    for column, value in (("status", filters.status), ("kind", filters.kind), ("user_id", filters.visible_to)):
        if value is not None:
            conds.append(f"d.{column} = ?")
            params.append(value)
    if user_ids is not None:  # an admin's user filter: the id, or every account with that email
        conds.append(f"d.user_id IN ({', '.join('?' for _ in user_ids)})")
        params += user_ids
    if filters.model:
        conds.append("(d.model_requested = ? OR d.model_used = ?)")
        params += [filters.model, filters.model]
    if filters.date_from:
        conds.append(f"{key} >= ?")
        params.append(time_key(datetime.combine(filters.date_from, time.min)))
    if filters.date_to:
        conds.append(f"{key} < ?")
        params.append(time_key(datetime.combine(filters.date_to + timedelta(days=1), time.min)))
