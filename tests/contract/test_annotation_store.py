"""AnnotationStore contract: tags, a note, a star and a rating beside a record, each edit kept with
who and when, the record itself unchanged; listing by marks and costs by tag respect visibility."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from genlib import Filters
from genlib.clock import utcnow
from genlib.marks import Annotation, Marks
from tests.contract.records import finished, pending, read_export


def _saved(backend, prompt, user="ana", cost="0.0010", ago_s=0.0):
    gen = finished(pending(prompt, user, ago_s=ago_s), cost=cost)
    backend.store.insert(gen)
    return gen


def test_nothing_annotated_reads_as_empty(backend):
    gen = _saved(backend, "plain")
    assert backend.annotations.annotation(gen.id) == Annotation(gen.id)
    assert backend.annotations.history(gen.id) == [] and backend.annotations.annotations([gen.id]) == {}


def test_edits_are_applied_together_kept_with_who_and_when_and_leave_the_record_alone(backend):
    gen = _saved(backend, "marked")
    before = backend.store.get(gen.id)
    at = utcnow().replace(microsecond=0)
    got = backend.annotations.annotate(gen.id, "ana", at, [("tag+", "project x"), ("tag+", "draft"),
                                                          ("note", "**keep** this"), ("star", "1"), ("rating", "1")])
    assert (got.tags, got.note, got.starred, got.rating, got.updated_by) == (
        ("draft", "project x"), "**keep** this", True, 1, "ana")
    later = at + timedelta(seconds=5)
    got = backend.annotations.annotate(gen.id, "admin", later, [("tag-", "draft"), ("tag+", "project x"),
                                                               ("star", "0"), ("rating", "-1")])
    assert (got.tags, got.starred, got.rating, got.updated_utc, got.updated_by) == (
        ("project x",), False, -1, later, "admin")
    edits = backend.annotations.history(gen.id)
    assert [(e.by, e.what, e.value) for e in edits][-4:] == [
        ("admin", "tag-", "draft"), ("admin", "tag+", "project x"), ("admin", "star", "0"), ("admin", "rating", "-1")]
    assert len(edits) == 9 and edits[0].at == at
    after = backend.store.get(gen.id)
    assert (after.prompt, after.result_text, after.cost_usd) == (before.prompt, before.result_text, before.cost_usd)
    backend.reopen()
    assert backend.annotations.annotation(gen.id).tags == ("project x",)


def test_find_tags_and_costs_by_tag_see_only_what_the_viewer_may(backend):
    ana1, ana2 = _saved(backend, "a1", ago_s=20), _saved(backend, "a2", cost="0.5", ago_s=10)
    ben = _saved(backend, "b1", user="ben", cost="2")
    at = utcnow()
    backend.annotations.annotate(ana1.id, "ana", at, [("tag+", "x"), ("star", "1")])
    backend.annotations.annotate(ana2.id, "ana", at, [("tag+", "x"), ("note", "Remember the Alamo")])
    backend.annotations.annotate(ben.id, "ben", at, [("tag+", "x"), ("tag+", "secret"), ("rating", "1")])
    assert backend.annotations.find(Marks(tag="x"), None) == [ben.id, ana2.id, ana1.id]
    assert backend.annotations.find(Marks(tag="x"), "ana") == [ana2.id, ana1.id]
    assert backend.annotations.find(Marks(starred=True), "ana") == [ana1.id]
    assert backend.annotations.find(Marks(has_note=True), None) == [ana2.id]
    assert backend.annotations.find(Marks(note_text="alamo"), "ana") == [ana2.id]
    assert backend.annotations.find(Marks(rating=1), "ana") == []
    assert backend.annotations.tags(None) == ["x", "secret"] and backend.annotations.tags("ana") == ["x"]
    costs = backend.annotations.cost_by_tag("ana", at - timedelta(days=1), at + timedelta(days=1))
    assert list(costs["tag"]) == ["x"] and int(costs["generations"][0]) == 2
    assert Decimal(str(costs["cost_usd"][0])) == Decimal("0.501")
    everyone = backend.annotations.cost_by_tag(None, None, None)
    assert list(everyone["tag"]) == ["x", "secret"]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_exports_carry_tags_note_star_and_rating(backend, tmp_path, fmt):
    marked, plain = _saved(backend, "marked one", ago_s=5), _saved(backend, "plain one")
    backend.annotations.annotate(marked.id, "ana", utcnow(), [("tag+", "b"), ("tag+", "a"), ("note", "=1+1"),
                                                             ("star", "1"), ("rating", "-1")])
    dest = backend.store.export(Filters(visible_to="ana"), fmt, tmp_path / f"out.{fmt}")
    frame = read_export(dest, fmt)
    rows = {str(i).removeprefix("'"): row for i, row in zip(frame["id"], frame.to_dict("records"))}
    got = rows[marked.id]
    assert (got["tags"], str(got["starred"]).lower(), int(got["rating"])) == ("a, b", "true", -1)
    assert got["note"] == ("'=1+1" if fmt == "csv" else "=1+1")  # a formula is neutralized in CSV
    assert int(rows[plain.id]["rating"]) == 0 and str(rows[plain.id]["starred"]).lower() == "false"
