"""The Vault's tags, notes, stars, ratings and share links: who may do what, what a link shows."""
from __future__ import annotations

from dataclasses import replace
import time
from datetime import timedelta

import pytest

from genlib import BadRequest, Filters, GenerationRequest, Marks, NotFound, ShareUnavailable
from genlib.clock import utcnow
from genlib.marks import token_hash
from tests.vaults import make_vault


@pytest.fixture(params=["duckdb", "postgres"])
def vault(request, tmp_path, fake):
    """The Vault on the embedded store and on PostgreSQL (the access rules live above the roles)."""
    more = {}
    if request.param == "postgres":
        pg = request.getfixturevalue("pg_schema")
        more["database_url"] = f"{pg.url}{'&' if '?' in pg.url else '?'}schema={pg.schema}"
    made = make_vault(tmp_path / "data", fake, **more)
    yield made
    made.close()


def _made(vault, prompt="hello", user="ana", system=None):
    return vault.wait(vault.start(GenerationRequest(prompt, "gpt-4o-mini", system_prompt=system), user), timeout=20)


def test_marks_are_saved_with_who_and_the_record_is_unchanged(vault):
    gen = _made(vault)
    got = vault.annotate(gen.id, "ana", "ana", add_tags=["  Project   X "], note="**bold**", starred=True, rating="up")
    assert (got.tags, got.note, got.starred, got.rating, got.updated_by) == (("project x",), "**bold**", True, 1, "ana")
    assert vault.annotate(gen.id, "ana", "ana", remove_tags=["project x"], rating="none").tags == ()
    assert [e.what for e in vault.annotation_history(gen.id, "ana")] == ["tag+", "note", "star", "rating", "tag-", "rating"]
    after = vault.get(gen.id)
    assert (after.prompt, after.result_text, after.cost_usd) == (gen.prompt, gen.result_text, gen.cost_usd)


def test_someone_else_cannot_tag_or_share_but_an_admin_can(vault):
    gen = _made(vault, user="ana")
    with pytest.raises(NotFound):
        vault.annotate(gen.id, "ben", "ben", add_tags=["mine"])
    with pytest.raises(NotFound):
        vault.share(gen.id, "ben", "ben")
    with pytest.raises(NotFound):
        vault.annotation(gen.id, "ben")
    assert vault.annotate(gen.id, "admin", None, add_tags=["seen"]).updated_by == "admin"
    assert vault.share(gen.id, "admin", None).token


@pytest.mark.parametrize("kwargs, problem", [
    (dict(add_tags=[""]), "empty"), (dict(add_tags=["x" * 41]), "at most 40"), (dict(rating="meh"), "up, down"),
    (dict(add_tags=[f"t{i}" for i in range(21)]), "at most 20 tags"), (dict(note="n" * 20_001), "at most 20,000"),
])
def test_bad_marks_are_refused_with_a_clear_message(vault, kwargs, problem):
    gen = _made(vault)
    with pytest.raises(BadRequest, match=problem):
        vault.annotate(gen.id, "ana", "ana", **kwargs)


def test_listing_by_marks_and_costs_by_tag(vault):
    one, two, bens = _made(vault, "one"), _made(vault, "two"), _made(vault, "three", user="ben")
    vault.annotate(one.id, "ana", "ana", add_tags=["x"], starred=True)
    vault.annotate(two.id, "ana", "ana", add_tags=["x"], note="see the Alamo")
    vault.annotate(bens.id, "ben", "ben", add_tags=["x", "ben-only"])
    assert [g.id for g in vault.marked(Marks(tag="x"), "ana")] == [two.id, one.id]
    assert [g.id for g in vault.marked(Marks(note_text="alamo"), "ana")] == [two.id]
    assert [g.id for g in vault.marked(Marks(tag="x"), "ana", filters=Filters(q="alamo"))] == [two.id]  # notes too
    assert [g.id for g in vault.marked(Marks(tag="x"), None, filters=Filters(user_id="ben"))] == [bens.id]
    assert vault.marked(Marks(tag="x"), "ana", filters=Filters(status="error")) == []
    assert vault.tags("ana") == ["x"] and set(vault.tags()) == {"x", "ben-only"}
    assert set(vault.annotations_of([one.id, bens.id], "ana")) == {one.id}  # not ben's marks
    assert set(vault.annotations_of([one.id, bens.id])) == {one.id, bens.id}
    assert list(vault.cost_by_tag("ana")["generations"]) == [2]


def test_a_share_shows_only_what_the_owner_chose_and_counts_views(vault):
    gen = _made(vault, system="be brief")
    link = vault.share(gen.id, "ana", "ana", expires="1d")
    assert len(link.token) >= 32 and link.token not in (gen.id, link.id)
    share, shown = vault.open_share(link.token)
    assert (shown.result_text, shown.system_prompt, shown.cost_usd, shown.user_id) == (gen.result_text, None, None, "")
    with_all = vault.share(gen.id, "ana", "ana", include_cost=True, include_system=True)
    _, shown = vault.open_share(with_all.token)
    assert (shown.system_prompt, shown.cost_usd) == ("be brief", gen.cost_usd)
    assert [s.views for s in vault.my_shares("ana") if s.id == link.id] == [1]
    assert vault.my_shares("ben") == []


def test_a_link_to_a_deleted_generation_says_it_was_deleted(vault):
    gen = _made(vault)
    link = vault.share(gen.id, "ana", "ana")
    vault.delete(gen.id, "ana")
    with pytest.raises(ShareUnavailable, match=r"^Deleted on \d{4}-\d\d-\d\d by its owner\.$"):
        vault.open_share(link.token)


def test_revoked_expired_sharing_off_and_altered_tokens_show_nothing(vault):
    gen = _made(vault)
    link = vault.share(gen.id, "ana", "ana")
    altered = link.token[:-2] + ("AA" if link.token[-2:] != "AA" else "BB")
    for token in (altered, gen.id, "", "x" * 500, "../../etc"):
        with pytest.raises(ShareUnavailable, match="not valid"):
            vault.open_share(token)
    vault.set_sharing(False, "admin", is_admin=True)
    with pytest.raises(ShareUnavailable, match="Sharing is off"):
        vault.open_share(link.token)
    with pytest.raises(BadRequest, match="Sharing is off"):
        vault.share(gen.id, "ana", "ana")
    with pytest.raises(BadRequest, match="Only an admin"):
        vault.set_sharing(True, "ana", is_admin=False)
    vault.set_sharing(True, "admin", is_admin=True)
    assert vault.open_share(link.token)[1].id == gen.id  # back on: the link works again
    assert vault.revoke_share(link.id, "ben") is False  # not ben's
    assert vault.revoke_share(link.id, "ana") is True
    with pytest.raises(ShareUnavailable, match="This link was revoked"):
        vault.open_share(link.token)
    old = replace(vault.share(gen.id, "ana", "ana", expires="1d"), id="expired-one")
    vault.shares.create(replace(old, expires_utc=utcnow() - timedelta(seconds=1)), token_hash("expired-token-abcdefgh"))
    with pytest.raises(ShareUnavailable, match="expired"):
        vault.open_share("expired-token-abcdefgh")
    with pytest.raises(BadRequest, match="Expiry must be one of"):
        vault.share(gen.id, "ana", "ana", expires="2y")


def test_get_many_returns_what_get_would_in_the_order_given(vault, fake):
    ana, bens = _made(vault, "first of ana's"), _made(vault, "ben's", user="ben")
    fake.enqueue(text="so far" + " more" * 400, delay=0.01)  # still streaming while read
    live_id = vault.start(GenerationRequest("a live one", "gpt-4o-mini"), "ana")
    deadline = time.monotonic() + 20
    while "so far" not in (vault.get(live_id).result_text or "") and time.monotonic() < deadline:
        time.sleep(0.01)
    found = vault.get_many([live_id, bens.id, "not an id", ana.id, live_id])
    assert [g.id for g in found] == [live_id, bens.id, ana.id]  # duplicates and junk left out
    assert found[0].is_live and found[0].result_text.startswith("so far") and found[2] == vault.get(ana.id)
    assert [g.id for g in vault.get_many([bens.id, ana.id, live_id], "ana")] == [ana.id, live_id]
    vault.cancel(live_id)
    vault.wait(live_id, timeout=20)
