"""The send gate: no provider request leaves the process before its pending row is committed.

`Vault.start` launches the worker and then commits the pending row, so the worker builds the
request (SDK, JSON, headers) while DuckDB commits, instead of after. The SDK's HTTP client calls
`before_send` just before any byte is sent; on a worker thread that holds a `SendPermit` it
blocks there until `start` has granted it (the commit succeeded) or refused it (it failed).
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable, Iterator

_local = threading.local()


class NotSaved(BaseException):
    """The pending row was not committed, so nothing may be sent. A BaseException so the SDK's
    retry loop (which catches Exception) can't retry it: the worker ends quietly and `start`
    reports the storage error to its caller."""


class SendPermit:
    """Decided once by `start` (granted after the pending row's commit, refused if it failed);
    the worker waits for the decision before it sends anything or saves anything."""

    def __init__(self):
        self._decided = threading.Event()
        self._error: BaseException | None = None

    def grant(self) -> None:
        self._decided.set()

    def refuse(self, error: BaseException) -> None:
        self._error = error
        self._decided.set()

    def wait(self) -> None:
        """Return once granted; raise the refusal's error if refused. No timeout: `start` always
        decides (it refuses on any exception), and giving up here while its commit still succeeds
        would leave a saved row that no worker runs."""
        self._decided.wait()
        if self._error is not None:
            raise self._error


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
