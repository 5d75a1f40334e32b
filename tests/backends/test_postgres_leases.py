"""Replica leases on PostgreSQL: a neighbour's live generations are never claimed while its lease
lives; a dead replica's are claimed once, by one survivor, with their saved text."""
from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from genlib.records import PENDING
from tests.backends.pgrecords import insert_all, open_store, piece, record

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def replicas(pg_schema):
    opened = []

    def open_replica(name: str):
        opened.append(open_store(pg_schema, replica_id=name))
        return opened[-1]
    yield open_replica
    for store in opened:
        store.close()


def _expire(store, replica_id: str) -> None:
    with store.pool.connection() as con:
        con.execute("UPDATE replicas SET lease_expires_at = now() - interval '1 second' WHERE replica_id = %s",
                    (replica_id,))


def test_live_generations_of_a_replica_with_a_live_lease_are_never_claimed(replicas):
    a, b = replicas("replica-a"), replicas("replica-b")
    mine, theirs = record("b's own"), record("a's")
    insert_all(b, [mine])
    insert_all(a, [theirs])
    a.write(pieces=[piece(theirs.id, 1, "partial")])
    assert b.claim_orphans(own=False) == []
    assert a.claim_orphans(own=False) == []
    a.heartbeat.stop()  # a stops renewing, as if it hung or died
    _expire(a, "replica-a")
    claimed = b.claim_orphans(own=False)
    assert [(g.id, g.result_text) for g in claimed] == [(theirs.id, "partial")]
    assert b.claim_orphans(own=False) == []  # claimed once: now b's, and b is alive


def test_at_start_and_close_a_replica_claims_its_own_live_records_and_only_the_dead_ones_else(replicas):
    a, b = replicas("replica-a"), replicas("replica-b")
    mine, theirs = record("a's own", status=PENDING), record("b's")
    insert_all(a, [mine])
    insert_all(b, [theirs])
    assert [g.id for g in a.claim_orphans()] == [mine.id]


def test_a_cleanly_stopped_replicas_leftovers_are_claimable_at_once(pg_schema, replicas):
    a, b = open_store(pg_schema, replica_id="replica-a"), replicas("replica-b")
    left = record("left behind", status=PENDING)
    insert_all(a, [left])
    a.close()  # the lease goes with it
    assert [g.id for g in b.claim_orphans(own=False)] == [left.id]


def test_survivors_claiming_together_each_get_different_orphans(replicas):
    dead = replicas("replica-dead")
    orphans = [record(f"orphan {n}", minutes=n) for n in range(60)]
    insert_all(dead, orphans)
    dead.heartbeat.stop()
    _expire(dead, "replica-dead")
    survivors = [replicas(f"survivor-{n}") for n in range(3)]
    barrier, results = threading.Barrier(len(survivors)), {}

    def claim(store):
        barrier.wait()
        results[store.replica_id] = [g.id for g in store.claim_orphans(own=False)]
    threads = [threading.Thread(target=claim, args=(store,)) for store in survivors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [gen_id for ids in results.values() for gen_id in ids]
    assert sorted(claimed) == sorted(g.id for g in orphans)  # each exactly once


KILLED = """
import sys, time
from genlib.backends.postgres import PostgresStore
from tests.backends.pgrecords import insert_all, piece, record
store = PostgresStore(sys.argv[1], replica_id="replica-killed", schema=sys.argv[2], lease_s=6.0)
gen = record("streaming when killed")
insert_all(store, [gen])
store.write(pieces=[piece(gen.id, 1, "text before the crash")])
print(gen.id, flush=True)
time.sleep(600)
"""


def test_a_replica_killed_mid_stream_has_its_generation_claimed_after_its_lease_expires(replicas, pg_schema):
    child = subprocess.Popen([sys.executable, "-c", KILLED, pg_schema.url, pg_schema.schema], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True)
    try:
        gen_id = child.stdout.readline().strip()
        survivor = replicas("replica-survivor")
        time.sleep(2.5)  # heartbeats (every 2 s): the killed one's lease now reaches past the kill
        assert survivor.claim_orphans(own=False) == []  # alive: untouched
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        assert survivor.claim_orphans(own=False) == []  # dead, but its lease has not expired yet
        claimed = []
        while not claimed:  # the lease (6 s, on the database's clock) runs out
            time.sleep(0.2)
            claimed = survivor.claim_orphans(own=False)
        assert [(g.id, g.result_text) for g in claimed] == [(gen_id, "text before the crash")]
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_every_store_takes_a_lease_of_its_own(pg_schema, replicas):
    first, second = replicas(None), replicas(None)
    assert first.replica_id != second.replica_id
    assert {first.replica_id, second.replica_id} <= first.leases.alive()
