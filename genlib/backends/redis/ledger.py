"""The budget ledger and rate limit on Redis, shared by every replica.

Reservations are one hash, a field per generation (`{user, amount, replica, since}`); spend itself
stays in the database, so there is no counter to seed, sync or drift (the LiteLLM bugs in
shared/NOTES.md). An admission is one optimistic transaction: WATCH the hash and the user's
window of starts, read what is held, let the caller's `check` compare spend + held + worst case
with the limits (it reads the database's spend after the WATCH, so a generation that settles in
between, its cost moving from "held" to "spent", changes the watched hash and the admission is
re-run), then MULTI/EXEC the new field and start. 20 starts racing on several replicas serialize.

A reservation belongs to its replica's lease (a key with a TTL renewed by heartbeat): fields of a
replica whose lease expired, or older than `max_hold_s`, no longer count and are dropped. A
replica that finds its own lease gone (Redis restarted, a long pause) puts its reservations back,
field by field (idempotent). Redis unreachable: a start under a budget or rate limit is refused
(fail closed); one under neither passes.
"""
from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from decimal import Decimal
from typing import Callable

import redis

from ...budgets.use import rate_message
from ...errors import BudgetExceeded, RateLimited
from .client import UNREACHABLE, Space

log = logging.getLogger(__name__)
ZERO = Decimal(0)
WINDOW_MS = 60_000
LEASE_S = 30.0
DOWN = ("The budget ledger (Redis at {where}) can't be reached, so generations under a budget or rate "
        "limit are refused until it is back. Try again shortly or ask an admin.")


class RedisLedger:
    def __init__(self, space: Space, replica_id: str, lease_s: float = LEASE_S, max_hold_s: float = 3600.0):
        self.space, self.replica_id = space, replica_id
        self.lease_s, self.max_hold_s = lease_s, max_hold_s
        self._lease_ms = int(lease_s * 1000)
        self._held_key = space.key("ledger", "held")
        self._lease_key = space.key("ledger", "replica", replica_id)
        self._mine: dict[str, str] = {}  # this replica's reservations (gen id -> field), to put back
        self._unsettled: set[str] = set()  # drops that failed while Redis was away, retried
        self._lock = threading.Lock()
        self._admitting = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lease ------------------------------------------------------------------------------
    def start(self) -> "RedisLedger":
        """Take the lease, then renew it every third of its length in a daemon thread."""
        self.renew()
        self._thread = threading.Thread(target=self._beat, name="genlib-ledger-lease", daemon=True)
        self._thread.start()
        return self

    def renew(self) -> None:
        """Extend the lease; if it had lapsed, put this replica's holds back (another replica may
        have dropped them as a dead one's). Under the admission lock: a drop can't slip between."""
        client = self.space.client
        with self._admitting:
            lapsed = client.set(self._lease_key, "1", px=self._lease_ms, get=True) is None
            with self._lock:
                mine, retry = dict(self._mine), set(self._unsettled)
            if lapsed and mine:
                client.hset(self._held_key, mapping=mine)
            if retry:
                client.hdel(self._held_key, *retry)
                with self._lock:
                    self._unsettled -= retry

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        try:
            self.space.client.delete(self._lease_key)
        except UNREACHABLE:
            pass  # the lease expires by itself

    def _beat(self) -> None:
        while not self._stop.wait(self.lease_s / 3):
            try:
                self.renew()
            except UNREACHABLE as exc:
                log.warning("budget ledger lease not renewed: %s", exc)

    # -- the BudgetLedger role ------------------------------------------------------------
    def reserve(self, gen_id: str, user: str, amount: Decimal | None, rate_per_minute: int | None,
                check: Callable[[Decimal, Decimal], None]) -> None:
        """One atomic step across replicas: rate limit, check(held by user, held overall), hold."""
        if amount is None and rate_per_minute is None:
            return  # nothing to enforce or count: Redis down or not, this start passes
        try:
            with self._admitting:  # this replica's own starts take turns: WATCH only races other replicas
                self._admit(gen_id, user, amount, rate_per_minute, check)
        except UNREACHABLE as exc:
            message = DOWN.format(where=self.space.where)
            raise (BudgetExceeded(message) if amount is not None else RateLimited(message)) from exc

    def settle(self, gen_id: str) -> None:
        self.release(gen_id)

    def release(self, gen_id: str) -> None:
        """Drop the reservation (idempotent); if Redis is away, the lease renewal retries it."""
        with self._lock:
            self._mine.pop(gen_id, None)
        try:
            with self._admitting:  # a drop mid-admission would only make it look again
                self.space.client.hdel(self._held_key, gen_id)
        except UNREACHABLE:
            with self._lock:
                self._unsettled.add(gen_id)

    def held(self) -> list[tuple[str, Decimal]]:
        """(user, amount) of every reservation that counts (live replicas, not too old)."""
        live, _ = self._read_held(self.space.client, self.space.now_ms())
        return [(entry["u"], Decimal(entry["a"])) for entry in live.values()]

    # -- internals -------------------------------------------------------------------------
    def _admit(self, gen_id, user, amount, rate_per_minute, check) -> None:
        window = self.space.key("ledger", "rate", hashlib.sha256(user.encode()).hexdigest()[:32])
        with self.space.client.pipeline() as pipe:
            for _ in range(1000):
                try:
                    pipe.watch(self._held_key, window, self._lease_key)
                    if not pipe.exists(self._lease_key):  # a hold of ours would count as a dead replica's
                        pipe.reset()
                        self.renew()
                        continue
                    now = self.space.now_ms()
                    if rate_per_minute is not None:
                        self._check_rate(pipe, window, rate_per_minute, now)
                    live, dead = self._read_held(pipe, now)
                    field = None
                    if amount is not None:
                        self._check(pipe, check, _sum(live, user), _sum(live, None))
                        field = json.dumps({"u": user, "a": str(amount), "r": self.replica_id, "t": now})
                    pipe.multi()
                    pipe.pexpire(self._lease_key, self._lease_ms)
                    if dead:
                        pipe.hdel(self._held_key, *dead)
                    if field is not None:
                        pipe.hset(self._held_key, gen_id, field)
                    pipe.zadd(window, {gen_id: now})
                    pipe.zremrangebyscore(window, "-inf", now - WINDOW_MS)
                    pipe.pexpire(window, 2 * WINDOW_MS)
                    pipe.execute()
                    if field is not None:
                        with self._lock:
                            self._mine[gen_id] = field
                    return
                except redis.WatchError:
                    time.sleep(random.uniform(0, 0.002))  # another admission or settle won: look again
        raise BudgetExceeded("Too many starts at once to check the budget; try again.")

    @staticmethod
    def _check(pipe, check, held_user: Decimal, held_all: Decimal) -> None:
        """`check` may refuse on a generation counted twice: it settled (cost now in the spend that
        `check` reads) after the held amounts were read. If the watched keys changed meanwhile, an
        empty EXEC fails and the admission is looked at again instead of refused."""
        try:
            check(held_user, held_all)
        except BudgetExceeded:
            pipe.multi()
            pipe.execute()  # raises WatchError if anything settled or was admitted since the WATCH
            raise

    @staticmethod
    def _check_rate(pipe, window: str, limit: int, now: int) -> None:
        count = pipe.zcount(window, now - WINDOW_MS + 1, "+inf")
        if limit <= 0:
            raise RateLimited(rate_message(count, limit, WINDOW_MS / 1000))
        if count >= limit:
            oldest = pipe.zrevrangebyscore(window, "+inf", now - WINDOW_MS + 1, start=limit - 1, num=1,
                                           withscores=True)[0][1]
            raise RateLimited(rate_message(count, limit, max(0.0, (oldest + WINDOW_MS - now) / 1000)))

    def _read_held(self, client, now: int) -> tuple[dict[str, dict], list[str]]:
        """({gen id: entry} that count, [gen ids to drop]): a dead replica's or a too-old hold."""
        entries = {k.decode(): json.loads(v) for k, v in client.hgetall(self._held_key).items()}
        replicas = sorted({e["r"] for e in entries.values()})
        alive = {r for r, n in zip(replicas, [client.exists(self.space.key("ledger", "replica", r))
                                              for r in replicas]) if n}
        oldest = now - self.max_hold_s * 1000
        live = {k: e for k, e in entries.items() if e["r"] in alive and e["t"] >= oldest}
        return live, [k for k in entries if k not in live]


def _sum(entries: dict[str, dict], user: str | None) -> Decimal:
    return sum((Decimal(e["a"]) for e in entries.values() if user is None or e["u"] == user), ZERO)
