"""One SQLite query per History page: text terms, filters, visibility, order, cursor and limit.

Built from a parsed `Query` and `Filters`; every value is a bound parameter. With an indexed term the
FTS5 table drives (newest first is its own rowid order, so it stops after the page and the count);
with a selective filter (under SELECTIVE_ROWS rows) or no indexed term, `docs` drives in rowid order
through the filtered column's index. Every term is checked on each candidate row against the stored
text (FTS5's documented `text_index_content` table: c0 prompt, c1 answer); without a wanted term of
3+ characters to narrow them (short or excluded terms only) the check reads at most the newest
SHORT_SCAN_ROWS records (`limited`). The count (to COUNT_CAP + 1) and the page come from one query.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from .filters import Filters, escape_like
from .search_index import SearchIndex, time_key
from .search_query import Query, Term, fts_match, fts_string

COUNT_CAP = 1000
COUNT_WORK = 1000  # candidate rows checked for the count; past this (and a full page) it says "at least"
SHORT_SCAN_ROWS = 20_000
SELECTIVE_ROWS = 20_000
PIECE_COUNT_CAP = 5_000
NEWEST, BEST = "newest", "best"


@dataclass
class Hits:
    ids: list[str]
    total: int          # matches counted (at most COUNT_CAP + 1): all of them when `exact`, else a lower bound
    exact: bool
    limited: bool       # only the newest SHORT_SCAN_ROWS records were searched


@dataclass
class _Plan:
    source: str         # FROM ... (the driving table, joined to docs as d)
    key: str            # the driving rowid: newest first is its descending order
    conds: list[str]    # WHERE terms, every value a parameter
    params: list
    check: str          # SQL true when a candidate row holds every term (a SELECT column)
    check_params: list
    limited: bool


def search_index(index: SearchIndex, query: Query, filters: Filters, user_ids: list[str] | None,
                 limit: int, offset: int = 0, before: int | None = None, order: str = NEWEST) -> Hits:
    """Ids of one page, plus the match count. `before`: a rowid cursor (rows older than it)."""
    plan = _plan(index, query, filters, user_ids, order)
    if order == BEST and plan.key == "text_index.rowid":
        return _best(index, plan, limit, offset)
    return _newest(index, plan, limit, offset, before)


def _plan(index: SearchIndex, query: Query, filters: Filters, user_ids: list[str] | None, order: str) -> _Plan:
    wanted = fts_match(query, lambda piece: _rows_with(index, piece))
    filter_conds, filter_params = [], []
    _filter_conds(filters, user_ids, "d.rowid", filter_conds, filter_params)
    by_text = wanted is not None and (order == BEST or not _selective(index, filter_conds, filter_params))
    key = "text_index.rowid" if by_text else "d.rowid"
    source = "FROM text_index CROSS JOIN docs d ON d.rowid = text_index.rowid" if by_text else "FROM docs d"
    conds, params = [], []
    if by_text:
        conds.append("text_index MATCH ?")
        params.append(wanted)
    elif wanted:  # a selective filter drives; the text's candidates are a set to look rows up in
        conds.append("+d.rowid IN (SELECT rowid FROM text_index WHERE text_index MATCH ?)")
        params.append(wanted)
    limited = _bound_short_scan(index, query, wanted, key, conds, params)
    conds += [c.replace("d.rowid", key) for c in filter_conds]
    params += filter_params
    check, check_params = "1", []
    if query:  # the index keeps no positions: every candidate is checked against the text
        checks, values = zip(*(_term_check(term) for term in query.terms))
        check = f"(SELECT {' AND '.join(checks)} FROM text_index_content t WHERE t.id = d.rowid)"
        check_params = [v for pair in values for v in pair]
    return _Plan(source, key, conds, params, check, check_params, limited)


def _newest(index: SearchIndex, plan: _Plan, limit: int, offset: int, before: int | None) -> Hits:
    """Walk the candidates newest first, checking each: the page is every match after the cursor
    (and `offset`), the count every match seen. Counting stops at COUNT_CAP + 1 matches or, once
    the page is full, after COUNT_WORK candidates (then the count is a lower bound): so a page costs
    about what its own rows cost, however many rows hold the terms."""
    page, matched, examined, key = [], 0, 0, None
    for gen_id, key, ok in _walk(index, plan):
        examined += 1
        if not ok:
            continue
        matched += 1
        if (before is None or key < before) and len(page) < offset + limit:
            page.append(gen_id)
        if (matched > COUNT_CAP or examined >= COUNT_WORK) and (
                len(page) >= offset + limit or (before is not None and key >= before)):
            break
    else:
        return Hits(page[offset:], matched, True, plan.limited)  # every candidate seen: an exact count
    if len(page) < offset + limit:  # counting stopped above the cursor: the page starts from it
        page = [gen_id for gen_id, _, ok in _walk(index, plan, before, offset + limit) if ok]
    return Hits(page[offset:offset + limit], min(matched, COUNT_CAP + 1), False, plan.limited)


def _walk(index: SearchIndex, plan: _Plan, before: int | None = None, matches: int | None = None):
    """(id, rowid, holds the terms) for every candidate, newest first, read lazily; from `before`
    on, up to `matches` matching rows."""
    conds, params = list(plan.conds), list(plan.params)
    if before is not None:
        conds.append(f"{plan.key} < ?")
        params.append(before)
    where = " AND ".join(conds) or "1"
    sql = f"SELECT d.id, {plan.key}, {plan.check} {plan.source} WHERE {where} ORDER BY {plan.key} DESC"
    found = 0
    for row in index.iterate(sql, [*plan.check_params, *params]):
        yield row
        found += bool(row[2])
        if matches is not None and found >= matches:
            return


def _best(index: SearchIndex, plan: _Plan, limit: int, offset: int) -> Hits:
    """Best match: every match is ranked (bm25), so the count is exact."""
    where = " AND ".join([*plan.conds, plan.check])
    rows = index.execute(f"SELECT d.id {plan.source} WHERE {where} ORDER BY bm25(text_index), d.rowid DESC",
                         [*plan.params, *plan.check_params])
    return Hits([r[0] for r in rows[offset:offset + limit]], min(len(rows), COUNT_CAP + 1), len(rows) <= COUNT_CAP,
                plan.limited)


def _rows_with(index: SearchIndex, piece: str) -> int:
    """How many rows hold this trigram, counted up to PIECE_COUNT_CAP (cheap: the walk stops there)."""
    return index.execute(f"SELECT count(*) FROM (SELECT 1 FROM text_index WHERE text_index MATCH ? "
                         f"LIMIT {PIECE_COUNT_CAP})", [fts_string(piece)])[0][0]


def _selective(index: SearchIndex, conds: list, params: list) -> bool:
    """Whether the filters alone leave few enough rows to walk them (through their column's index)
    rather than the text's candidates: the faster way for e.g. status `interrupted` + a common word."""
    if not conds:
        return False
    query = f"SELECT count(*) FROM (SELECT 1 FROM docs d WHERE {' AND '.join(conds)} LIMIT {SELECTIVE_ROWS})"
    return index.execute(query, params)[0][0] < SELECTIVE_ROWS


def _term_check(term: Term) -> tuple[str, list]:
    """SQL true when the prompt or the answer contains the term (false if excluded), ignoring case.
    An ASCII term uses SQLite's LIKE (C speed, case-insensitive for ASCII); others Python's casefold."""
    negate = "NOT " if term.excluded else ""
    if term.text.isascii():  # LIKE reads the text in place (no lowered copy): ~1.5x faster than instr(lower())
        pattern = "%" + escape_like(term.text) + "%"
        return f"{negate}(t.c0 LIKE ? ESCAPE '\\' OR t.c1 LIKE ? ESCAPE '\\')", [pattern, pattern]
    return f"{negate}(gv_contains(t.c0, ?) OR gv_contains(t.c1, ?))", [term.text, term.text]


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
