"""The team deployment's five roles on the test services, for the contract suite (tests/contract/).

`open_team(pg, redis, s3)` returns a function of the data dir (unused: nothing is local) that opens
PostgreSQL records, S3 pictures, Redis dedup/live/ledger on this test's schema, key prefix and
bucket; calling it again is a restart on the same storage (new replica id, as a new process).
"""
from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass
class TeamParts:
    """The five roles (attribute names as genlib.backends.factory.Backends) and their Redis client."""

    store: object
    images: object
    cache: object
    live: object
    ledger: object
    space: object

    def close(self) -> None:
        for part in (self.live, self.ledger, self.cache, self.store):
            part.close()
        self.space.close()

    def __iter__(self):
        return iter(getattr(self, f.name) for f in fields(self))


def open_team(pg, redis, s3):
    from genlib.backends.postgres import PostgresStore, new_replica_id
    from genlib.backends.redis import RedisDedupCache, RedisLedger, RedisLiveChannel, Space
    from genlib.backends.s3 import S3ImageStore

    def open_parts(_root=None) -> TeamParts:
        space = Space(redis.url, prefix=redis.prefix)
        store = PostgresStore(pg.url, schema=pg.schema)
        return TeamParts(store, S3ImageStore(s3.url()), RedisDedupCache(space), RedisLiveChannel(space).start(),
                         RedisLedger(space, new_replica_id()).start(), space)
    return open_parts
