"""The team set of roles opens on the test services and closes cleanly (the contract suite runs it)."""
from __future__ import annotations

import pytest

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


def test_each_backend_answers_a_doctor_probe_with_a_real_write(pg_schema, redis_space, s3_bucket):
    parts = open_team(pg_schema, redis_space, s3_bucket)()
    try:
        parts.store.probe()
        parts.space.probe()
        parts.images.probe()
        assert parts.images.client.list_objects_v2(Bucket=s3_bucket.bucket).get("KeyCount", 0) == 0  # cleaned up
        assert list(parts.space.client.scan_iter(match=redis_space.prefix + "probe:*")) == []
    finally:
        parts.close()


def test_probes_of_unreachable_services_fail_clearly():
    import redis

    from genlib.backends.redis import Space
    from genlib.backends.s3 import S3ImageStore
    from genlib.errors import StorageUnavailable

    with pytest.raises(redis.ConnectionError):
        Space("redis://127.0.0.1:1/0").probe()
    import boto3
    from botocore.config import Config
    client = boto3.client("s3", endpoint_url="http://127.0.0.1:1", aws_access_key_id="x", aws_secret_access_key="x",
                          region_name="us-east-1", config=Config(retries={"max_attempts": 1}, connect_timeout=1))
    with pytest.raises(StorageUnavailable, match="can't be reached"):
        S3ImageStore("s3://bucket/p", client=client).probe()
