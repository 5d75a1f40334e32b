"""Retention on the team deployment (issue 14): two Vaults on one PostgreSQL schema, Redis prefix and
S3 bucket. The policy lives in the database's budgets document; one replica prunes at a time; the
pictures go from S3; the books (PostgreSQL rollup included) are unchanged."""
from __future__ import annotations

import pytest

from genlib import GenerationRequest, IMAGE, NotFound, Settings, Vault
from tests.contract.records import finished, pending
from tests.services import team_urls


@pytest.fixture
def replicas(tmp_path, fake, pg_schema, redis_space, s3_bucket):
    urls = team_urls(pg_schema, redis_space, s3_bucket)
    made = [Vault(Settings(data_dir=tmp_path / f"r{i}", base_url=fake.base_url, api_key="k", max_retries=0,
                           flush_interval_s=0.05, **urls)) for i in range(2)]
    yield made
    for vault in made:
        vault.close()


def books(vault):
    costs = vault.costs()
    return costs.totals, costs.by_day_model.to_dict("records"), costs.by_user.to_dict("records")


def test_one_replica_prunes_under_the_shared_policy_and_the_books_stay(replicas):
    a, b = replicas
    old = []
    for i in range(3):
        gen = pending(f"old {i}", ago_s=(40 + i) * 86400)
        a.store.insert(gen)
        a.store.write(finals=[finished(gen, cost="0.2500")])
        old.append(gen.id)
    a.store.maintain()  # those days folded into the rollup
    a.save_settings("budgets", "[retention]\ndays = 30\n", None, by="boss")
    before = books(b)
    with a.store.retention_turn() as held:
        assert held and b.prune() is None  # the other replica's turn: it waits for the next day
    assert b.prune(dry_run=True).count == 3
    assert b.prune().count == 3 and a.prune().count == 0
    assert books(a) == before and books(b) == before
    assert "retention policy" in a.deleted_sentence(a.tombstone(old[0])) and a.search().items == []


def test_a_deleted_pictures_objects_leave_the_bucket(replicas, fake):
    a, b = replicas
    gen = a.wait(a.start(GenerationRequest("a green square", "gpt-image-1", kind=IMAGE), "ana"), timeout=30)
    names = [p[k] for p in gen.images for k in ("path", "thumb")]
    assert all(b.images.read(name) for name in names)
    with pytest.raises(NotFound):
        b.delete(gen.id, user_id="ben")
    b.delete(gen.id, user_id="ana")
    for name in names:
        with pytest.raises(NotFound):
            a.images.read(name)
    assert a.tombstone(gen.id, "ana").deleted_by == "ana" and a.tombstone(gen.id, "ben") is None
