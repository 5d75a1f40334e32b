"""Failed flushes: the saved text stays an exact prefix of what arrived (a failed flush is retried
from where the last good one ended), and a failure that lasts logs one traceback, not one per tick."""
from __future__ import annotations

import logging
import threading
import time

from genlib import GenerationRequest, StorageUnavailable
from genlib.faillog import RepeatedFailureLog
from tests.vaults import make_vault


class FlakyWrites:
    """Wraps a store's write_batch: while `failing` is set, every write raises like a full disk."""

    def __init__(self, store):
        self._write, self.failing, self.refused = store.write_batch, threading.Event(), 0
        store.write_batch = self

    def __call__(self, *args, **kwargs):
        if self.failing.is_set():
            self.refused += 1
            raise StorageUnavailable("The database could not be written: No space left on device")
        return self._write(*args, **kwargs)


def saved_text(vault, gen_id: str) -> str:
    # result_text plus the committed chunks of a live row; "" while the row is still only in the
    # start journal (the persister has not committed it yet: CI once read it in that gap)
    record = vault.store.get(gen_id)
    return record.result_text if record is not None else ""


def wait_until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_flushes_that_failed_leave_no_hole_in_the_saved_text(tmp_path, fake):
    answer = "".join(f"p{i:03d} " for i in range(400))
    fake.enqueue(text=answer, chunks=400, delay=0.01)
    vault = make_vault(tmp_path / "data", fake, flush_interval_s=0.05)
    try:
        gen_id = vault.start(GenerationRequest("long answer", "gpt-4o-mini"), user_id="ana")
        flaky = FlakyWrites(vault.store)
        wait_until(lambda: len(saved_text(vault, gen_id)) > 50)
        flaky.failing.set()
        wait_until(lambda: flaky.refused >= 4)  # several ticks' worth of text fails to commit
        before = len(vault.registry.get(gen_id).text)
        flaky.failing.clear()
        wait_until(lambda: len(saved_text(vault, gen_id)) > before)  # a good flush after the bad ones
        kept = saved_text(vault, gen_id)
        assert vault.registry.get(gen_id) is not None and not vault.registry.get(gen_id).ended
        assert answer.startswith(kept), "the saved text has a hole where the failed flushes were"
        assert vault.wait(gen_id, timeout=20).result_text == answer
    finally:
        vault.close()


def test_a_lasting_write_failure_logs_one_traceback_then_one_line_when_it_recovers(tmp_path, fake, caplog):
    fake.enqueue(text="x " * 300, chunks=300, delay=0.01)
    vault = make_vault(tmp_path / "data", fake, flush_interval_s=0.02)
    try:
        gen_id = vault.start(GenerationRequest("keeps streaming", "gpt-4o-mini"), user_id="ana")
        flaky = FlakyWrites(vault.store)
        with caplog.at_level(logging.WARNING, logger="genlib.run.persister"):
            flaky.failing.set()
            wait_until(lambda: flaky.refused >= 10)
            flaky.failing.clear()
            vault.wait(gen_id, timeout=20)
        records = [r for r in caplog.records if r.name == "genlib.run.persister"]
        assert [r.exc_info is not None for r in records if r.levelno == logging.ERROR] == [True]
        assert any("works again" in r.getMessage() for r in records)
    finally:
        vault.close()


def test_while_it_keeps_failing_a_one_line_reminder_comes_once_a_minute(caplog):
    now = [0.0]
    failures = RepeatedFailureLog(logging.getLogger("genlib.test"), "writing", clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="genlib.test"):
        for _ in range(5 * 60 * 5):  # five minutes of 200 ms ticks
            try:
                raise OSError(28, "No space left on device")
            except OSError as exc:
                failures.failed(exc)
            now[0] += 0.2
        failures.succeeded()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 + 4 + 1 and caplog.records[0].exc_info and not any(r.exc_info for r in caplog.records[1:])
    assert "still failing after 60 s" in lines[1] and "No space left" in lines[1] and "works again" in lines[-1]
