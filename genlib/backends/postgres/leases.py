"""Replica leases: who runs each live generation, and who may end it when its replica died.

A replica holds a lease (a row in `replicas`) that it renews by heartbeat; its expiry is on the
database's clock, so replicas' clocks never have to agree. A live generation records its replica.
`claim_orphans` hands a surviving replica the live rows whose replica's lease has expired (or
that no replica holds): each row to exactly one claimant (`FOR UPDATE SKIP LOCKED`), never a
row whose replica is alive, so a start-up or shutdown never touches a neighbour's generations.
"""
from __future__ import annotations

import os
import socket
import threading

from ...ids import new_id
from ...records import Generation
from .pool import connection
from .sql import COLS, with_chunks

LEASE_S = 30.0  # a replica silent this long is dead; its generations are claimed after that
RENEW_S = LEASE_S / 3
RENEW = """INSERT INTO replicas (replica_id, host, pid, lease_expires_at)
    VALUES (%s, %s, %s, now() + make_interval(secs => %s))
    ON CONFLICT (replica_id) DO UPDATE SET lease_expires_at = excluded.lease_expires_at
    RETURNING lease_expires_at"""
ALIVE = "SELECT replica_id FROM replicas WHERE lease_expires_at > now()"
CLAIM = f"""UPDATE generations SET replica_id = %(me)s WHERE id IN (
    SELECT id FROM generations WHERE status IN ('pending', 'streaming')
      AND (replica_id IS NULL OR (replica_id = %(me)s AND %(own)s)
           OR (replica_id <> %(me)s AND replica_id NOT IN ({ALIVE})))
    FOR UPDATE SKIP LOCKED)
    RETURNING {", ".join(COLS)}"""
# Leases expired a day ago are history: forget them (a generation can't stay live that long).
PRUNE = "DELETE FROM replicas WHERE lease_expires_at < now() - interval '1 day'"


def new_replica_id() -> str:
    """Unique per process start: a restarted replica never mistakes its predecessor's rows for its own."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{new_id()[:8]}"


class Leases:
    """The lease of replica `replica_id` on the pool's database, and the orphans it may claim."""

    def __init__(self, pool, replica_id: str, lease_s: float = LEASE_S):
        self.pool, self.replica_id, self.lease_s = pool, replica_id, lease_s

    def renew(self):
        """Extend the lease by `lease_s` from now (the database's now); returns the new expiry."""
        with connection(self.pool) as con:
            return con.execute(RENEW, (self.replica_id, socket.gethostname(), os.getpid(),
                                       self.lease_s)).fetchone()[0]

    def release(self) -> None:
        """A clean shutdown, after this replica ended its own generations: the lease goes now."""
        with connection(self.pool) as con:
            con.execute("DELETE FROM replicas WHERE replica_id = %s", (self.replica_id,))

    def alive(self) -> set[str]:
        with connection(self.pool) as con:
            return {row[0] for row in con.execute(ALIVE)}

    def claim_orphans(self, own: bool) -> list[Generation]:
        """Live rows of dead replicas (and with `own`, this replica's), now this replica's to end,
        saved chunks folded into result_text. Committed on return: a concurrent claimant gets the
        others, and one that dies before finishing them leaves them to the next claim."""
        with connection(self.pool) as con:
            with con.transaction():
                con.execute(PRUNE)
                rows = con.execute(CLAIM, {"me": self.replica_id, "own": own}).fetchall()
            return with_chunks(con, [Generation.from_row(r) for r in rows])


class Heartbeat:
    """A daemon thread renewing the lease every `every_s`; a failed renewal is retried at the next
    tick (the lease outlives three missed ones). `on_error(exc)` hears of each failure."""

    def __init__(self, leases: Leases, every_s: float = RENEW_S, on_error=lambda exc: None):
        self.leases, self.every_s, self.on_error = leases, every_s, on_error
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="genlib-lease", daemon=True)

    def start(self) -> "Heartbeat":
        self.leases.renew()  # the first renewal is synchronous: a replica with no lease must not start
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                self.leases.renew()
            except Exception as exc:  # noqa: BLE001 - a blip: the lease has slack for it
                self.on_error(exc)
