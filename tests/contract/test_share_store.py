"""ShareStore contract: a link found only by its token's hash, whatever its state; views counted;
revoked at once and only once; listed per owner; the admin's sharing switch kept across processes."""
from __future__ import annotations

from datetime import timedelta

from genlib.clock import utcnow
from genlib.ids import new_id
from genlib.marks import Share, new_token, token_hash


def _share(gen_id="g" * 21, owner="ana", expires=None, **kw):
    now = utcnow().replace(microsecond=0)
    return Share(new_id(), gen_id, owner, now, expires, kw.get("cost", False), kw.get("system", True))


def test_a_link_is_found_by_its_token_hash_only(backend):
    share, token = _share(), new_token()
    backend.shares.create(share, token_hash(token))
    assert backend.shares.lookup(token_hash(token)) == share
    assert backend.shares.lookup(token_hash(token[:-1] + ("A" if token[-1] != "A" else "B"))) is None
    assert backend.shares.lookup(token) is None  # the token itself is not what is stored


def test_views_are_counted_and_revoking_is_at_once_and_once(backend):
    share, token = _share(expires=utcnow() + timedelta(days=7)), new_token()
    backend.shares.create(share, token_hash(token))
    seen = utcnow().replace(microsecond=0)
    backend.shares.viewed(share.id, seen)
    backend.shares.viewed(share.id, seen + timedelta(seconds=1))
    got = backend.shares.lookup(token_hash(token))
    assert (got.views, got.last_viewed_utc, got.state(utcnow())) == (2, seen + timedelta(seconds=1), "active")
    assert backend.shares.revoke(share.id, seen) is True
    assert backend.shares.revoke(share.id, seen) is False and backend.shares.revoke("nope", seen) is False
    assert backend.shares.lookup(token_hash(token)).state(utcnow()) == "revoked"
    backend.reopen()
    assert backend.shares.lookup(token_hash(token)).revoked_utc == seen


def test_links_are_listed_per_owner_newest_first(backend):
    first, second, other = _share(), _share(), _share(owner="ben")
    for share in (first, second, other):
        backend.shares.create(share, token_hash(new_token()))
    assert {s.id for s in backend.shares.shares("ana")} == {first.id, second.id}
    assert len(backend.shares.shares(None)) == 3 and [s.id for s in backend.shares.shares("ben")] == [other.id]


def test_the_sharing_switch_is_on_by_default_and_kept(backend):
    assert backend.shares.sharing_enabled() is True
    backend.shares.set_sharing(False, "admin", utcnow())
    backend.reopen()
    assert backend.shares.sharing_enabled() is False
    backend.shares.set_sharing(True, "admin", utcnow())
    assert backend.shares.sharing_enabled() is True


def test_starred_noted_and_shared_generations_are_the_protected_ones(backend):
    from genlib.backends.marksql import protected

    now = utcnow()
    ids = [new_id() for _ in range(6)]
    starred, noted, shared, revoked, expired, plain = ids
    backend.annotations.annotate(starred, "ana", now, [("star", "1")])
    backend.annotations.annotate(noted, "ana", now, [("note", "keep"), ("tag+", "x")])
    backend.annotations.annotate(plain, "ana", now, [("tag+", "only a tag"), ("rating", "1")])
    for gen_id, expires in ((shared, None), (revoked, None), (expired, now - timedelta(seconds=1))):
        share = _share(gen_id, expires=expires)
        backend.shares.create(share, token_hash(new_token()))
        if gen_id == revoked:
            backend.shares.revoke(share.id, now)
    assert protected(backend.shares.db, ids, now) == {starred, noted, shared}
    assert backend.store.protected_ids(ids) == {starred, noted, shared}  # what retention keeps
    assert protected(backend.shares.db, [], now) == set()
