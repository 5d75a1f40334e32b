"""Fixtures for the shared services of a team deployment: PostgreSQL, Redis and an S3 server.

Each test gets its own PostgreSQL schema (dropped afterwards), its own Redis key prefix (its keys
deleted afterwards) and its own bucket on a moto S3 server that speaks real HTTP. PostgreSQL and
Redis are the machine's (127.0.0.1, `GENLIB_TEST_DATABASE_URL` / `GENLIB_TEST_REDIS_URL` to point
elsewhere); with `CI` set a missing one fails the test, otherwise the test skips with one line.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

import pytest

PG_URL = os.environ.get("GENLIB_TEST_DATABASE_URL", "postgresql://127.0.0.1:5432/test")
REDIS_URL = os.environ.get("GENLIB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def unavailable(message: str) -> None:
    """Skip on a laptop without the service; fail under CI, where it must be running."""
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI must provide it)", pytrace=False)
    pytest.skip(message)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


def _driver(name: str):
    try:
        return __import__(name)
    except ImportError as exc:
        unavailable(f"the driver {name} is not installed ({exc})")


def _reachable(what: str, url: str, probe, failures) -> str:
    """`url` once `probe()` answered; else skip (or fail under CI) with one line."""
    problem = None
    try:
        probe()
    except failures as exc:
        problem = _first_line(exc)
    if problem:  # outside the except block: one line, no chained traceback
        unavailable(f"{what} at {url} is not reachable ({problem})")
    return url


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL URL, once checked reachable (psycopg imported only by tests that need it)."""
    psycopg = _driver("psycopg")
    return _reachable("PostgreSQL", PG_URL, lambda: psycopg.connect(PG_URL, connect_timeout=3).close(),
                      psycopg.OperationalError)


@dataclass(frozen=True)
class PgSchema:
    url: str
    schema: str


@pytest.fixture
def pg_schema(pg_server) -> PgSchema:
    """A fresh, empty schema name for this test; the schema (whatever made it) is dropped afterwards."""
    import psycopg
    from psycopg import sql

    schema = f"t_{secrets.token_hex(6)}"
    yield PgSchema(pg_server, schema)
    with psycopg.connect(pg_server, autocommit=True) as con:
        con.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture(scope="session")
def redis_server() -> str:
    redis = _driver("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        return _reachable("Redis", REDIS_URL, client.ping, redis.RedisError)
    finally:
        client.close()


@dataclass(frozen=True)
class RedisSpace:
    url: str
    prefix: str


@pytest.fixture
def redis_space(redis_server) -> RedisSpace:
    """A key prefix of this test's own; every key under it is deleted afterwards."""
    import redis

    space = RedisSpace(redis_server, f"gvtest:{secrets.token_hex(6)}:")
    yield space
    client = redis.Redis.from_url(redis_server)
    try:
        keys = list(client.scan_iter(match=space.prefix.replace("[", r"\[") + "*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start:start + 500])
    finally:
        client.close()


@pytest.fixture(scope="session")
def s3_server() -> str:
    """moto's S3 server on a free loopback port, over real HTTP; its endpoint URL."""
    _driver("moto")
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass(frozen=True)
class S3Bucket:
    endpoint: str
    bucket: str

    def url(self, prefix: str = "genvault") -> str:
        return f"s3://{self.bucket}/{prefix}"


@pytest.fixture
def s3_bucket(s3_server, monkeypatch) -> S3Bucket:
    """A new bucket for this test, the standard AWS variables pointing at the moto server."""
    import boto3

    for name, value in (("AWS_ENDPOINT_URL", s3_server), ("AWS_ACCESS_KEY_ID", "testing"),
                        ("AWS_SECRET_ACCESS_KEY", "testing"), ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    bucket = f"gvtest-{secrets.token_hex(6)}"
    client = boto3.client("s3")
    client.create_bucket(Bucket=bucket)
    yield S3Bucket(s3_server, bucket)
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=bucket, Key=item["Key"])
    client.delete_bucket(Bucket=bucket)


def team_urls(pg: PgSchema, redis: RedisSpace, s3: S3Bucket) -> dict:
    """Settings fields of a team deployment on this test's schema, key prefix and bucket (the AWS
    variables already point at moto), as GENLIB_DATABASE_URL etc. would give them."""
    join = "&" if "?" in pg.url else "?"
    rjoin = "&" if "?" in redis.url else "?"
    return dict(database_url=f"{pg.url}{join}schema={pg.schema}", blob_url=s3.url(),
                redis_url=f"{redis.url}{rjoin}prefix={redis.prefix}")


@pytest.fixture
def team_env(pg_schema, redis_space, s3_bucket) -> dict:
    """The environment variables of a replica of this test's team deployment (for child processes)."""
    urls = team_urls(pg_schema, redis_space, s3_bucket)
    env = {"GENLIB_DATABASE_URL": urls["database_url"], "GENLIB_BLOB_URL": urls["blob_url"],
           "GENLIB_REDIS_URL": urls["redis_url"]}
    return {**env, **{k: v for k, v in os.environ.items() if k.startswith("AWS_")}}
