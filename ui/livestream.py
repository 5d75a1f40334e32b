"""The live view's own routes: a generation's text as Server-Sent Events, and the script reading them.

    GET /live/events/<id>   text/event-stream: render steps (ui/livetext.py) as the text grows
    GET /live/live.js       the browser side (ui/live.js): applies them, follows, hands over
    GET /live/page.js       the Generate pages' helper (ui/page.js, see ui/pagescript.py)

Why not a polling fragment: a Streamlit rerun per viewer per update costs a full script run; at
10 updates a second for 20 viewers that saturates two cores. Here each viewer costs a read of
the Vault's in-memory snapshot and a Markdown render of the open block when new text wakes it
(ui/livewake.py), at most every TICK_S. The same sign-in check as the file routes: with sign-in
on, only the owner (or an admin) gets events; anything else is the same 404. The markup the
pages draw is ui/liveblock.py; the URLs ui/liveurls.py.
"""
from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
import threading
import time

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from genlib import IMAGE

from .fileurls import route_path
from .liveblock import stats_line, tail_note
from .livetext import LiveMarkdown
from .liveurls import EVENTS, PAGE_SCRIPT, SCRIPT, SCRIPTS, script_version
from .livewake import WAKEUPS
from .requestauth import request_viewer
from .routes import BASE_HEADERS, not_found, unavailable
from .textview import LIVE_TAIL_CHARS
from .vault import get_vault

log = logging.getLogger("genvault.live")
TICK_S = 0.05          # at most 20 updates a second per viewer
STATS_EVERY_S = 0.5    # the "tokens so far · elapsed" line, also a keep-alive
MAX_STREAM_S = 30      # then the browser reconnects (bounds how long a stopping server could wait)
_STOPPING = threading.Event()
SSE_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "X-Accel-Buffering": "no"}


def live_routes(base_path: str = "") -> list[Route]:
    return [Route(route_path(EVENTS, base_path), live_events, methods=["GET"]),
            Route(route_path(SCRIPT, base_path), live_script, methods=["GET"]),
            Route(route_path(PAGE_SCRIPT, base_path), live_script, methods=["GET"])]


def live_script(request: Request) -> Response:
    # Same-origin, so the Content-Security-Policy's script-src 'self' admits it (no inline script).
    name = request.url.path.rsplit("/", 1)[-1]
    current = request.query_params.get("v") == script_version(name)
    cache = "public, max-age=31536000, immutable" if current else "no-cache"
    return Response(SCRIPTS[name].read_bytes(), media_type="text/javascript; charset=utf-8",
                    headers={"X-Content-Type-Options": "nosniff", "Cache-Control": cache})


async def live_events(request: Request) -> Response:
    viewer = request_viewer(request)
    if viewer is None:
        return not_found()
    gen_id = request.path_params["gen_id"]
    try:
        vault = await run_in_threadpool(get_vault)
        gen = await run_in_threadpool(vault.get, gen_id, viewer.visible_to)
    except Exception:  # noqa: BLE001 - a storage failure is said plainly, never a traceback
        log.exception("live route: reading the vault failed")
        return unavailable()
    if gen is None:
        return not_found()
    watch_stop_signals()
    return StreamingResponse(_stream(vault, gen_id, viewer.visible_to), media_type="text/event-stream",
                             headers={**BASE_HEADERS, **SSE_HEADERS})


async def _stream(vault, gen_id: str, visible_to: str | None):
    """One message per change: {"ev": [render steps], "status", "stats"}; {"end": true} at the end."""
    view, started = LiveView(vault, gen_id, visible_to), time.monotonic()
    wake = WAKEUPS.subscribe(vault, gen_id)
    try:
        yield "retry: 200\n\n"  # after MAX_STREAM_S, reconnect at once
        while True:
            wake[1].clear()
            stepped = time.monotonic()
            # in a worker thread: rendering a long first window, or reading an ended record from
            # the database, must not hold up the event loop (every page's websocket runs on it)
            message, live = await run_in_threadpool(view.step)
            if message:
                yield _message(message)
            if not live:
                yield _message({"end": True})
                return
            if time.monotonic() - started > MAX_STREAM_S or server_stopping():
                return  # the browser reconnects; a stopping server must not wait on this response
            try:  # new text wakes this at once; otherwise the stats line ticks on
                await asyncio.wait_for(wake[1].wait(), STATS_EVERY_S)
            except asyncio.TimeoutError:
                pass
            await asyncio.sleep(max(0.0, TICK_S - (time.monotonic() - stepped)))  # at most 1/TICK_S a second
    finally:
        WAKEUPS.unsubscribe(gen_id, wake)


class LiveView:
    """What one viewer has been sent of one generation."""

    def __init__(self, vault, gen_id: str, visible_to: str | None):
        self.vault, self.gen_id, self.visible_to = vault, gen_id, visible_to
        self.renderer, self.seen, self.stats_at = LiveMarkdown(LIVE_TAIL_CHARS), None, 0.0

    def step(self) -> tuple[dict, bool]:
        """(the message to send, or {}; whether it is still live)."""
        gen = self.vault.get(self.gen_id, self.visible_to)
        if gen is None:
            return {}, False
        text, now, message = gen.result_text or "", time.monotonic(), {}
        if (len(text), gen.status) != self.seen:
            self.seen = (len(text), gen.status)
            message = {"ev": self.renderer.update(text) if gen.kind != IMAGE else [], "status": gen.status}
        if message or now - self.stats_at >= STATS_EVERY_S:
            message["stats"], self.stats_at = stats_line(gen, len(text)), now
            message["note"] = tail_note(len(text))
        return message, gen.is_live


def server_stopping() -> bool:
    """True once the process got SIGTERM or SIGINT: uvicorn then waits for open responses (this
    stream) before it exits, and Streamlit stops its runtime only after that."""
    return _STOPPING.is_set()


def watch_stop_signals() -> None:
    """Note SIGTERM/SIGINT before Streamlit's own handler runs (chained, once). Signal handlers can
    only be set from the main thread, where the server's event loop runs; elsewhere, MAX_STREAM_S
    bounds how long a stop waits."""
    for number in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(number)
        if getattr(previous, "genvault_live", False):
            continue

        def noted(signum, frame, previous=previous):
            _STOPPING.set()
            if callable(previous):
                previous(signum, frame)
            elif previous == signal.SIG_DFL:
                signal.default_int_handler(signum, frame) if signum == signal.SIGINT else sys.exit(128 + signum)

        noted.genvault_live = True
        try:
            signal.signal(number, noted)
        except ValueError:  # not the main thread
            return


def _message(payload: dict) -> str:
    return f"data: {json.dumps(payload, separators=(',', ':'))}\n\n"
