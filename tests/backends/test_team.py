"""The team set of roles opens on the test services and closes cleanly (the contract suite runs it)."""
from __future__ import annotations

from tests.backends.team import open_team


def test_the_team_roles_open_reopen_and_close(pg_schema, redis_space, s3_bucket):
    open_parts = open_team(pg_schema, redis_space, s3_bucket)
    first = open_parts()
    first.close()
    second = open_parts()
    try:
        assert second.store.replica_id != first.store.replica_id  # a restart is a new replica
        assert second.store.schema == pg_schema.schema and second.images.bucket == s3_bucket.bucket
        assert second.live.all() == [] and second.ledger.held() == []
    finally:
        second.close()
