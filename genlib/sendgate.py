"""The send gate: no provider request leaves the process before its pending row is committed.

`Vault.start` queues the pending row and launches the worker at once, so the worker builds the
request (SDK, JSON, headers) while DuckDB commits, instead of after: the commit is off the time
to first token. The SDK's HTTP client calls `before_send` just before any byte is sent; on a
worker thread that holds a `SendPermit` it blocks there until the commit has succeeded.
"""
from __future__ import annotations

import threading
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Callable, Iterator

_local = threading.local()


class NotSaved(BaseException):
    """The pending row was not committed, so nothing may be sent. A BaseException so the SDK's
    retry loop (which catches Exception) can't retry it: the worker ends quietly and `start`
    reports the storage error to its caller."""


class SendPermit:
    """Decided once, by whichever of `start` and the worker asks first: both see one outcome,
    so a caller told "not saved" can never have a request sent on its behalf."""

    def __init__(self, saved: Future, timeout_s: float = 30.0):
        self._saved, self._timeout = saved, timeout_s
        self._lock = threading.Lock()
        self._error: BaseException | None = None
        self._decided = False

    def wait(self) -> None:
        """Return once the row is committed; raise its error (or a timeout) if it never is."""
        with self._lock:
            if not self._decided:
                try:
                    self._saved.result(self._timeout)
                except BaseException as exc:  # noqa: BLE001 - any failure, timeouts included, means "not saved"
                    self._error = exc
                self._decided = True
        if self._error is not None:
            raise self._error

    @property
    def granted(self) -> bool:
        return self._decided and self._error is None


@contextmanager
def held_by_this_thread(permit: SendPermit | None, on_send: Callable[[], None] = lambda: None) -> Iterator[None]:
    """While inside, this thread's provider requests wait for `permit`; `on_send` runs before each."""
    _local.gate = (permit, on_send) if permit is not None else None
    try:
        yield
    finally:
        _local.gate = None


def before_send(request) -> None:
    """httpx request hook: block until this thread may send (no-op outside a worker)."""
    gate = getattr(_local, "gate", None)
    if gate is None:
        return
    permit, on_send = gate
    try:
        permit.wait()
    except BaseException as exc:  # noqa: BLE001
        raise NotSaved(f"not sent: the pending row was not saved ({exc})") from exc
    on_send()
