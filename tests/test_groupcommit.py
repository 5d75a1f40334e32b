"""Group commit: concurrent pending rows share commits; every caller learns its own outcome."""
from __future__ import annotations

import threading

import pytest

from genlib.backends.duckdb.groupcommit import GroupCommit


def run_together(n: int, body) -> list:
    barrier, results = threading.Barrier(n), [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            body(i)
            results[i] = "ok"
        except Exception as exc:  # noqa: BLE001 - reported per caller
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return results


def test_concurrent_callers_share_commits_and_each_item_is_written_once():
    batches, lock = [], threading.Lock()

    def write(items):
        with lock:
            batches.append(list(items))
        threading.Event().wait(0.02)  # a commit takes a while: later callers pile up behind it

    group = GroupCommit(write)
    assert run_together(32, group.commit) == ["ok"] * 32
    written = sorted(i for batch in batches for i in batch)
    assert written == list(range(32)) and len(batches) < 32


def test_a_failed_commit_fails_exactly_the_callers_in_its_batch():
    def write(items):
        if 13 in items:
            raise OSError("disk full")

    group = GroupCommit(write)
    results = run_together(16, group.commit)
    failed = {i for i, r in enumerate(results) if isinstance(r, OSError)}
    assert 13 in failed and all(r == "ok" for i, r in enumerate(results) if i not in failed)
    group.commit(99)  # the group still works after a failure
    with pytest.raises(OSError):
        group.commit(13)
