"""History filters as a PostgreSQL WHERE clause (`%s` placeholders), from the SQL stores' shared
builder (backends/sqlwhere.py): the same meaning as the embedded store's.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ...filters import Filters
from ...search.query import Term, parse
from .. import sqlwhere
from ..sqlwhere import and_where

MARK = "%s"
# a record's adjacent word pairs (migration 15), prompt and answer as one text (the pair across them is
# one more key, harmless: the pairs narrow, ILIKE decides)
PAIRS = "gv_word_pairs(lower(prompt || ' ' || result_text))"
SENT = "status <> 'pending'"  # the rows the pairs index holds (migration 16)


def where_clause(filters: Filters, before: tuple[datetime, str] | None = None,
                 users: list[str] | None = None) -> tuple[str, list]:
    """`WHERE ...` (or "") and its parameters; `before` keeps rows older than (created, id);
    `users`: the admin's user filter already resolved (`user_ids`). result_text is NOT NULL here,
    so it is matched as it is (the trigram index serves it)."""
    parts, params = sqlwhere.where_parts(replace(filters, user_id=None), MARK, matched_on=_matched_on)
    for term in parse(filters.q).wanted:
        if _by_pairs(term):
            # the SENT arm names the partial index's predicate, so the planner may use it; a pending
            # row is not in that index, and the term's own ILIKE decides it
            parts.append(f"(status = 'pending' OR ({SENT} AND {PAIRS} @> gv_word_pairs(lower({MARK}))))")
            params.append(term.text)
    if users is not None:
        # one id is the common case: `user_id = %s` lets the user's newest-first index give the order
        parts.append(f"user_id = {MARK}" if len(users) == 1 else f"user_id = ANY({MARK})")
        params.append(users[0] if len(users) == 1 else users)
    elif filters.user_id is not None:
        # The shared builder's `user_id = %s OR user_id IN (subquery)` can't use an index here (a
        # sequential scan of every row); the same users as one array can (user_id = ANY).
        parts.append(f"user_id = ANY(ARRAY(SELECT {MARK}::text UNION SELECT user_id FROM users "
                     f"WHERE email = lower({MARK})))")
        params += [filters.user_id, filters.user_id]
    if before is not None:
        parts.append(f"(created_utc, id) < ({MARK}, {MARK})")
        params += [before[0], before[1]]
    return and_where("", *parts), params


def _by_pairs(term: Term) -> bool:
    """A wanted phrase the pairs index narrows (far more than its trigrams: only rows holding its words
    side by side)."""
    return term.phrase and not term.excluded and has_pairs(term.text)


def _matched_on(term: Term) -> tuple[str, str]:
    """The texts a term's ILIKE reads. A phrase the pairs narrow is matched on `text || ''`, which no
    trigram index holds: the planner can't estimate the partial pairs index (PostgreSQL ignores a
    partial index's expression statistics; it guesses 0.5 % of rows) and picked the trigrams,
    rechecking each candidate and computing its pairs (100k rows: 18 ms where the pairs take 4)."""
    if _by_pairs(term):
        return "(prompt || '')", "(result_text || '')"
    return "prompt", "result_text"


def has_pairs(phrase: str) -> bool:
    """True when `phrase` holds a space with 3+ characters on both sides up to the next spaces (a key
    of gv_word_pairs; an empty key list would make GIN read the whole index)."""
    words = phrase.split(" ")
    return any(len(a) >= 3 and len(b) >= 3 for a, b in zip(words, words[1:]))


def rollup_where(filters: Filters) -> tuple[str, list] | None:
    """The WHERE clause on cost_daily (day, user), or None when the filters need the base table."""
    return sqlwhere.rollup_where(filters, MARK)


def user_ids(con, filters: Filters) -> list[str] | None:
    """The ids an admin's user filter means: the id itself and every account with that email."""
    if filters.user_id is None:
        return None
    found = con.execute("SELECT user_id FROM users WHERE email = lower(%s)", (filters.user_id,)).fetchall()
    return list(dict.fromkeys([filters.user_id, *(r[0] for r in found)]))
