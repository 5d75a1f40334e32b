"""AnnotationStore and ShareStore in SQL both databases speak, over a small adapter per backend.

The adapter gives `rows(sql, params)`, `frame(sql, params)` and `run(statements)` (one transaction);
SQL is written with `?` placeholders (the PostgreSQL adapter turns them into `%s`) and never holds a
literal `%`. Values are always bound; the tables are migrations 10 and 11 of each backend.
"""
from __future__ import annotations

from datetime import datetime
from typing import Sequence

import pandas as pd

from ..marks import Annotation, Edit, Marks, Share

# Exports read the records through this, aliased `generations` so that every filter applies as
# it is: each row also carries its tags (", "-joined), note, star and rating.
MARK_COLUMNS = ("tags", "note", "starred", "rating")
ANNOTATED = ("(SELECT g.*, (SELECT string_agg(t.tag, ', ' ORDER BY t.tag) FROM annotation_tags t "
             "WHERE t.generation_id = g.id) AS tags, coalesce(a.note, '') AS note, "
             "coalesce(a.starred, false) AS starred, coalesce(a.rating, 0) AS rating "
             "FROM generations g LEFT JOIN annotations a ON a.generation_id = g.id) AS generations")
_ANNOTATION = "SELECT generation_id, note, starred, rating, updated_utc, updated_by FROM annotations"
_SHARE = ("SELECT id, generation_id, owner_id, created_utc, expires_utc, include_cost, include_system, "
          "revoked_utc, views, last_viewed_utc FROM shares")
_CHANGE = {
    "tag+": "INSERT INTO annotation_tags (generation_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING",
    "tag-": "DELETE FROM annotation_tags WHERE generation_id = ? AND tag = ?",
    "note": "UPDATE annotations SET note = ? WHERE generation_id = ?",
    "star": "UPDATE annotations SET starred = ? WHERE generation_id = ?",
    "rating": "UPDATE annotations SET rating = ? WHERE generation_id = ?",
}


class SQLAnnotations:
    def __init__(self, db):
        self.db = db

    def annotation(self, gen_id: str) -> Annotation:
        return self.annotations([gen_id]).get(gen_id) or Annotation(gen_id)

    def annotate(self, gen_id: str, by: str, at: datetime, changes: Sequence[tuple[str, str]]) -> Annotation:
        statements = [("INSERT INTO annotations (generation_id, updated_utc, updated_by) VALUES (?, ?, ?) "
                       "ON CONFLICT (generation_id) DO UPDATE SET updated_utc = excluded.updated_utc, "
                       "updated_by = excluded.updated_by", [gen_id, at, by])]
        for what, value in changes:
            statements.append((_CHANGE[what], _change_params(what, gen_id, value)))
            statements.append(("INSERT INTO annotation_edits (generation_id, at_utc, by_user, what, value) "
                               "VALUES (?, ?, ?, ?, ?)", [gen_id, at, by, what, str(value)]))
        self.db.run(statements)
        return self.annotation(gen_id)

    def history(self, gen_id: str) -> list[Edit]:
        rows = self.db.rows("SELECT generation_id, at_utc, by_user, what, value FROM annotation_edits "
                            "WHERE generation_id = ? ORDER BY at_utc", [gen_id])
        return [Edit(*row) for row in rows]

    def annotations(self, gen_ids: Sequence[str]) -> dict[str, Annotation]:
        ids = list(dict.fromkeys(gen_ids))
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        tags: dict[str, list[str]] = {}
        for gen_id, tag in self.db.rows(f"SELECT generation_id, tag FROM annotation_tags WHERE generation_id "
                                        f"IN ({marks}) ORDER BY tag", ids):
            tags.setdefault(gen_id, []).append(tag)
        found = self.db.rows(f"{_ANNOTATION} WHERE generation_id IN ({marks})", ids)
        return {row[0]: Annotation(row[0], tuple(tags.get(row[0], ())), row[1], bool(row[2]), int(row[3]),
                                   row[4], row[5]) for row in found}

    def tags(self, visible_to: str | None, limit: int = 200) -> list[str]:
        where, params = _visible("g", visible_to)
        rows = self.db.rows("SELECT t.tag FROM annotation_tags t JOIN generations g ON g.id = t.generation_id "
                            f"WHERE {where} GROUP BY t.tag ORDER BY count(*) DESC, t.tag LIMIT ?",
                            [*params, int(limit)])
        return [row[0] for row in rows]

    def find(self, marks: Marks, visible_to: str | None, limit: int = 50) -> list[str]:
        where, params = _visible("g", visible_to)
        clauses = [where]
        if marks.tag is not None:
            clauses.append("EXISTS (SELECT 1 FROM annotation_tags t WHERE t.generation_id = a.generation_id "
                           "AND t.tag = ?)")
            params.append(marks.tag)
        for column, value in (("a.starred", marks.starred), ("a.rating", marks.rating)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if marks.has_note is not None:
            clauses.append("a.note <> ''" if marks.has_note else "a.note = ''")
        if marks.note_text:
            clauses.append("strpos(lower(a.note), ?) > 0")
            params.append(marks.note_text.lower())
        rows = self.db.rows("SELECT g.id FROM annotations a JOIN generations g ON g.id = a.generation_id "
                            f"WHERE {' AND '.join(clauses)} ORDER BY g.created_utc DESC, g.id DESC LIMIT ?",
                            [*params, int(limit)])
        return [row[0] for row in rows]

    def cost_by_tag(self, visible_to: str | None, since: datetime | None, until: datetime | None) -> pd.DataFrame:
        where, params = _visible("g", visible_to)
        for op, bound in ((">=", since), ("<", until)):
            if bound is not None:
                where += f" AND g.created_utc {op} ?"
                params.append(bound)
        return self.db.frame("SELECT t.tag, count(*) AS generations, sum(g.cost_usd) AS cost_usd "
                             "FROM annotation_tags t JOIN generations g ON g.id = t.generation_id "
                             f"WHERE {where} GROUP BY t.tag ORDER BY cost_usd DESC NULLS LAST, generations DESC, t.tag", params)


class SQLShares:
    def __init__(self, db):
        self.db = db

    def create(self, share: Share, token_hash: str) -> None:
        self.db.run([("INSERT INTO shares (id, token_hash, generation_id, owner_id, created_utc, expires_utc, "
                      "include_cost, include_system) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      [share.id, token_hash, share.generation_id, share.owner_id, share.created_utc,
                       share.expires_utc, share.include_cost, share.include_system])])

    def lookup(self, token_hash: str) -> Share | None:
        rows = self.db.rows(f"{_SHARE} WHERE token_hash = ?", [token_hash])
        return _share(rows[0]) if rows else None

    def viewed(self, share_id: str, at: datetime) -> None:
        self.db.run([("UPDATE shares SET views = views + 1, last_viewed_utc = ? WHERE id = ?", [at, share_id])])

    def revoke(self, share_id: str, at: datetime) -> bool:
        if not self.db.rows("SELECT id FROM shares WHERE id = ? AND revoked_utc IS NULL", [share_id]):
            return False
        self.db.run([("UPDATE shares SET revoked_utc = ? WHERE id = ? AND revoked_utc IS NULL", [at, share_id])])
        return True

    def shares(self, owner_id: str | None) -> list[Share]:
        where, params = ("owner_id = ?", [owner_id]) if owner_id is not None else ("true", [])
        return [_share(row) for row in self.db.rows(f"{_SHARE} WHERE {where} ORDER BY created_utc DESC", params)]

    def sharing_enabled(self) -> bool:
        rows = self.db.rows("SELECT enabled FROM sharing_switch", [])
        return bool(rows[0][0]) if rows else True

    def set_sharing(self, enabled: bool, by: str, at: datetime) -> None:
        self.db.run([("UPDATE sharing_switch SET enabled = ?, updated_utc = ?, updated_by = ?",
                      [bool(enabled), at, by])])


def protected(db, gen_ids: Sequence[str], now: datetime) -> set[str]:
    """Those of gen_ids worth keeping from a retention prune: starred, with a note, or with a share
    link that still works (not revoked, not expired). For the record store's `protected_ids`."""
    ids = list(dict.fromkeys(gen_ids))
    if not ids:
        return set()
    marks = ", ".join("?" for _ in ids)
    rows = db.rows(f"SELECT generation_id FROM annotations WHERE generation_id IN ({marks}) "
                   f"AND (starred OR note <> '') UNION SELECT generation_id FROM shares WHERE generation_id "
                   f"IN ({marks}) AND revoked_utc IS NULL AND (expires_utc IS NULL OR expires_utc > ?)",
                   [*ids, *ids, now])
    return {row[0] for row in rows}


def _change_params(what: str, gen_id: str, value: str) -> list:
    if what in ("tag+", "tag-"):
        return [gen_id, value]
    if what == "star":
        return [value == "1", gen_id]
    return [int(value) if what == "rating" else value, gen_id]


def _visible(alias: str, visible_to: str | None) -> tuple[str, list]:
    return (f"{alias}.user_id = ?", [visible_to]) if visible_to is not None else ("true", [])


def _share(row) -> Share:
    return Share(row[0], row[1], row[2], row[3], row[4], bool(row[5]), bool(row[6]), row[7], int(row[8]), row[9])
