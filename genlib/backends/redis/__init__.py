"""Coordination of several replicas on Redis (`GENLIB_REDIS_URL`): dedup single-flight, the live
channel across replicas, the budget ledger and rate limit. Imported only when configured.
"""
from .client import Space
from .dedup import RedisDedupCache
from .ledger import RedisLedger
from .live import RedisLiveChannel

__all__ = ["Space", "RedisDedupCache", "RedisLedger", "RedisLiveChannel"]
