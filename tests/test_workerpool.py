"""The worker pool: generations reuse idle threads, never queue, and idle threads retire."""
from __future__ import annotations

import threading
import time

from genlib.run.workerpool import IDLE_NAME, WorkerPool


def wait_until(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_an_idle_thread_is_reused_and_named_after_its_job():
    pool, seen = WorkerPool(), []
    for name in ("genlib-first", "genlib-second"):
        done = threading.Event()
        pool.submit(name, lambda: (seen.append((threading.current_thread().ident,
                                                threading.current_thread().name)), done.set()))
        assert done.wait(5)
        wait_until(lambda: pool._idle == 1)  # back in the pool, renamed idle
    assert [name for _, name in seen] == ["genlib-first", "genlib-second"]
    assert seen[0][0] == seen[1][0]  # the same thread ran both


def test_jobs_never_wait_for_each_other_and_idle_threads_retire():
    pool, release, running = WorkerPool(idle_timeout_s=0.2), threading.Event(), []

    def blocker():
        running.append(threading.current_thread())
        release.wait(5)

    for i in range(5):
        pool.submit(f"genlib-{i}", blocker)
    wait_until(lambda: len(running) == 5)  # five jobs at once: five threads, none queued
    release.set()
    wait_until(lambda: pool._idle == 5)
    assert all(t.name == IDLE_NAME for t in running)
    wait_until(lambda: not any(t.is_alive() for t in running))  # idle past the timeout: gone
    assert pool._idle == 0


def test_a_failing_job_does_not_lose_the_thread():
    pool, done = WorkerPool(), threading.Event()
    pool.submit("genlib-bad", lambda: 1 / 0)
    wait_until(lambda: pool._idle == 1)
    pool.submit("genlib-good", done.set)
    assert done.wait(5)
