"""One SQLite query per History page: text terms, filters, visibility, order, cursor and limit.

Built from a parsed `Query` and `Filters`; every value is a bound parameter. The FTS5 table drives
whenever there is something to narrow by: the pieces of wanted terms of 3+ characters and the facet
piece of each filter (user, status, kind, model; rows.py), all in one MATCH, so a rare filter
and a common word cost what their intersection costs. Newest first is its rowid order, so the walk
stops after the page and the count; dates are rowid ranges. Each candidate's columns are then
checked exactly (a facet's hash may collide) and every term against its stored text. A quoted phrase
drives by `phrase_index` instead (phrase.py: the rows holding its words side by side). With nothing
to narrow by, `docs` drives in rowid order; terms with no piece to narrow by (short or excluded
only) are checked in at most the newest SHORT_SCAN_ROWS records (`limited`).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Callable

from ..filters import Filters, escape_like
from .index import SearchIndex
from .phrase import query_pieces
from .query import Query, Term, fold, fts_match, fts_string, trigrams
from .rows import facet

COUNT_CAP = 1000
COUNT_WORK = 1000  # candidate rows checked for the count; past this (and a full page) it says "at least"
SHORT_SCAN_ROWS = 20_000
SAMPLE_ROWS = 5_000  # a piece's frequency is counted among the newest this many records
COMMON_SHARE = 4  # a piece held by over 1/COMMON_SHARE of them narrows too little to walk
NEWEST, BEST = "newest", "best"
# (created, id) order is rowid order: its index is the compact way to count back (docs rows hold the text)
_NTH_NEWEST = "SELECT rowid FROM docs ORDER BY created DESC, id DESC LIMIT 1 OFFSET ?"


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
    ranked: bool        # the MATCH holds text pieces (there are terms to rank by)
    rows_with: Callable[[str], int] | None  # how many of the `sample` newest records hold a piece
    sample: int


def search_index(index: SearchIndex, query: Query, filters: Filters, user_ids: list[str] | None,
                 limit: int, offset: int = 0, before: int | None = None, order: str = NEWEST) -> Hits:
    """Ids of one page, plus the match count. `before`: a rowid cursor (rows older than it)."""
    plan = _plan(index, query, filters, user_ids)
    if order == BEST and plan.ranked:
        return _best(index, plan, query, limit, offset)
    return _newest(index, plan, limit, offset, before)


def _plan(index: SearchIndex, query: Query, filters: Filters, user_ids: list[str] | None) -> _Plan:
    rows_with, sample = _piece_counter(index) if any(t.indexed for t in query.wanted) else (None, 0)
    phrases = _phrases(query)  # when they drive, the trigram pieces only rank (best order): none counted
    pieces = fts_match(query, None if phrases else rows_with, sample // COMMON_SHARE)
    match = " AND ".join([*([pieces] if pieces else []), *_facets(filters, user_ids)])
    conds, params = [], []
    if phrases:  # the rows holding a phrase's words side by side: fewer than any trigram narrows to
        key, source = "phrase_index.rowid", "FROM phrase_index CROSS JOIN docs d ON d.rowid = phrase_index.rowid"
        conds.append("phrase_index MATCH ?")
        params.append(" AND ".join(phrases))
    elif match:
        key, source = "text_index.rowid", "FROM text_index CROSS JOIN docs d ON d.rowid = text_index.rowid"
        conds.append("text_index MATCH ?")
        params.append(match)
    else:
        key, source = "d.rowid", "FROM docs d"
    limited = _bound_short_scan(index, query, pieces, key, conds, params)
    _filter_conds(index, filters, user_ids, key, conds, params)
    check, check_params = "1", []
    if query:  # the index keeps no positions: every candidate is checked against the text
        checks, values = zip(*(_term_check(term) for term in query.terms))
        check = f"(SELECT {' AND '.join(checks)} FROM texts t WHERE t.rowid = d.rowid)"
        check_params = [v for pair in values for v in pair]
    return _Plan(source, key, conds, params, check, check_params, limited, bool(pieces), rows_with, sample)


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


def _best(index: SearchIndex, plan: _Plan, query: Query, limit: int, offset: int) -> Hits:
    """Best match: every candidate is scored (gv_score: real term counts, each term weighted by how
    rare its pieces are), so the count is exact; ties newest first."""
    pairs = []
    for term in query.terms:
        rows = min((plan.rows_with(p) for p in trigrams(term)), default=plan.sample) if term.indexed else plan.sample
        pairs += [("-" if term.excluded else "+") + fold(term.text),
                  0.0 if term.excluded else math.log(1 + plan.sample / max(1, rows))]
    where = " AND ".join([*plan.conds, plan.check])  # LIKE first: only matches are scored in Python
    score = f"(SELECT gv_score(t.prompt, t.result_text{', ?' * len(pairs)}) FROM texts t WHERE t.rowid = d.rowid)"
    scored = index.execute(f"SELECT d.id, {plan.key}, {score} {plan.source} WHERE {where}",
                           [*pairs, *plan.params, *plan.check_params])
    ranked = sorted((row for row in scored if row[2] > 0), key=lambda row: (-row[2], -row[1]))
    return Hits([row[0] for row in ranked[offset:offset + limit]], min(len(ranked), COUNT_CAP + 1),
                len(ranked) <= COUNT_CAP, plan.limited)


def _term_check(term: Term) -> tuple[str, list]:
    """SQL true when the prompt or the answer contains the term (false if excluded), ignoring case.
    An ASCII term uses SQLite's LIKE (C speed, in place, case-insensitive for ASCII); others `query.fold`
    (one character to one, as the index folds)."""
    negate = "NOT " if term.excluded else ""
    if term.text.isascii():
        pattern = "%" + escape_like(term.text) + "%"
        return f"{negate}(t.prompt LIKE ? ESCAPE '\\' OR t.result_text LIKE ? ESCAPE '\\')", [pattern, pattern]
    return f"{negate}(gv_contains(t.prompt, ?) OR gv_contains(t.result_text, ?))", [term.text, term.text]


def _piece_counter(index: SearchIndex) -> tuple[Callable[[str], int], int]:
    """(how many of the newest SAMPLE_ROWS records hold a piece, the sample's size). A share of
    recent rows ranks pieces at any history size, where a count capped at N ties every common piece;
    each count walks at most the sample's part of one doclist (~0.2 ms)."""
    floor = index.execute(_NTH_NEWEST, [SAMPLE_ROWS - 1])
    if floor:
        sample, bound = SAMPLE_ROWS, floor[0][0]
    else:
        sample, bound = index.execute("SELECT count(*) FROM docs", [])[0][0], None
    sql = ("SELECT count(*) FROM (SELECT 1 FROM text_index WHERE text_index MATCH ?"
           + (" AND rowid >= ? ORDER BY rowid DESC)" if floor else ")"))  # DESC: ~2x faster to a bound

    @functools.lru_cache(maxsize=None)
    def rows_with(piece: str) -> int:
        return index.execute(sql, [fts_string(piece), *([bound] if floor else [])])[0][0]
    return rows_with, sample


def _bound_short_scan(index: SearchIndex, query: Query, wanted: str | None, key: str, conds: list,
                      params: list) -> bool:
    """Terms but none the index can narrow by (short or excluded only): read the newest records."""
    if wanted or not query:
        return False
    bound = index.execute(_NTH_NEWEST, [SHORT_SCAN_ROWS])
    if not bound:
        return False
    conds.append(f"{key} > ?")
    params.append(bound[0][0])
    return True


def _phrases(query: Query) -> list[str]:
    """MATCH terms for the wanted phrases' words in phrase_index (phrase.py); the filters are then
    checked on docs' columns only (their facets are in the other table)."""
    return [fts_string(p) for t in query.wanted if t.phrase for p in query_pieces(t.text)]


def _facets(filters: Filters, user_ids: list[str] | None) -> list[str]:
    """MATCH terms for the filters: a facet piece per value (any of several: OR)."""
    wanted = [("status", [filters.status]), ("kind", [filters.kind]), ("user_id", [filters.visible_to]),
              ("user_id", user_ids), ("model", [filters.model])]
    terms = []
    for column, values in wanted:
        values = [v for v in values or () if v is not None]
        if values:
            pieces = [fts_string(facet(column, v)) for v in dict.fromkeys(values)]
            terms.append(pieces[0] if len(pieces) == 1 else "(" + " OR ".join(pieces) + ")")
    return terms


def _filter_conds(index: SearchIndex, filters: Filters, user_ids: list[str] | None, key: str, conds: list,
                  params: list) -> None:
    """The filters checked exactly on each candidate, and the dates as rowid ranges."""
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
    for day, op in ((filters.date_from, ">="), (filters.date_to and filters.date_to + timedelta(days=1), "<")):
        if day:
            rowid = index.rowid_at(datetime.combine(day, time.min))
            if rowid is not None:
                conds.append(f"{key} {op} ?")
                params.append(rowid)
            elif op == ">=":  # no record that new
                conds.append("0")
