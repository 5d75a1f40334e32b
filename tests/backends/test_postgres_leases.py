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
from tests.backends.pgrecords import open_store, record

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
    from genlib.backends.postgres import Leases

    a, b = replicas("replica-a"), replicas("replica-b")
    lease_a, lease_b = Leases(a), Leases(b)
    lease_a.renew(), lease_b.renew()
    mine, theirs = record("b's own"), record("a's")
    b.insert_pending([mine])
    a.insert_pending([theirs])
    a.append_text([(theirs.id, 1, "partial")])
    assert lease_b.claim_orphans() == []
    assert lease_a.claim_orphans() == []
    _expire(a, "replica-a")
    claimed = lease_b.claim_orphans()
    assert [(g.id, g.result_text) for g in claimed] == [(theirs.id, "partial")]
    assert lease_b.claim_orphans() == []  # claimed once: now b's, and b is alive


def test_a_cleanly_stopped_replicas_leftovers_are_claimable_at_once(replicas):
    from genlib.backends.postgres import Leases

    a, b = replicas("replica-a"), replicas("replica-b")
    lease_a, lease_b = Leases(a), Leases(b)
    lease_a.renew(), lease_b.renew()
    left = record("left behind", status=PENDING)
    a.insert_pending([left])
    lease_a.release()
    assert [g.id for g in lease_b.claim_orphans()] == [left.id]


def test_survivors_claiming_together_each_get_different_orphans(replicas):
    from genlib.backends.postgres import Leases

    dead = replicas("replica-dead")
    Leases(dead).renew()
    orphans = [record(f"orphan {n}", minutes=n) for n in range(60)]
    dead.insert_pending(orphans)
    _expire(dead, "replica-dead")
    survivors = [Leases(replicas(f"survivor-{n}")) for n in range(3)]
    for lease in survivors:
        lease.renew()
    barrier, results = threading.Barrier(len(survivors)), {}

    def claim(lease):
        barrier.wait()
        results[lease.store.replica_id] = [g.id for g in lease.claim_orphans()]
    threads = [threading.Thread(target=claim, args=(lease,)) for lease in survivors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [gen_id for ids in results.values() for gen_id in ids]
    assert sorted(claimed) == sorted(g.id for g in orphans)  # each exactly once


KILLED = """
import sys, time
from genlib.backends.postgres import Heartbeat, Leases, PostgresStore
from tests.backends.pgrecords import record
store = PostgresStore(sys.argv[1], replica_id="replica-killed", schema=sys.argv[2])
Heartbeat(Leases(store, lease_s=4.0), every_s=0.3).start()
gen = record("streaming when killed")
store.insert_pending([gen])
store.append_text([(gen.id, 1, "text before the crash")])
print(gen.id, flush=True)
time.sleep(600)
"""


def test_a_replica_killed_mid_stream_has_its_generation_claimed_after_its_lease_expires(replicas, pg_schema):
    from genlib.backends.postgres import Leases

    child = subprocess.Popen([sys.executable, "-c", KILLED, pg_schema.url, pg_schema.schema], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True)
    try:
        gen_id = child.stdout.readline().strip()
        survivor = Leases(replicas("replica-survivor"))
        survivor.renew()
        time.sleep(0.5)  # a few heartbeats: the killed one's lease now reaches past the kill
        assert survivor.claim_orphans() == []  # alive: untouched
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        assert survivor.claim_orphans() == []  # dead, but its lease has not expired yet
        claimed = []
        while not claimed:  # the lease (4 s, on the database's clock) runs out
            time.sleep(0.2)
            claimed = survivor.claim_orphans()
        assert [(g.id, g.result_text) for g in claimed] == [(gen_id, "text before the crash")]
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_a_lease_can_only_be_taken_by_a_store_that_names_its_replica(pg_schema):
    from genlib.backends.postgres import Leases

    store = open_store(pg_schema, replica_id=None)
    try:
        with pytest.raises(ValueError):
            Leases(store)
    finally:
        store.close()
