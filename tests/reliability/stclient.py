"""A headless Streamlit client: speaks the app's websocket protocol like a browser tab does.

It lets load and crash tests drive `streamlit run app.py` with many sessions at once (cheaper than
a Chromium tab each): open a page with query parameters, fill and submit the Generate form, rerun
polling fragments when the server asks, and time every script run from request to `script_finished`.
"""
from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState, ContextInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from websockets.sync.client import connect

from tests.apptext import unescaped

DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
        ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


@dataclass
class Run:
    """What one script run drew: elements by type, the URL query afterwards, and how long it took."""

    elements: list = field(default_factory=list)
    query_string: str = ""
    seconds: float = 0.0
    page_not_found: bool = False
    auto_rerun: tuple[float, str] | None = None  # (interval, fragment id) when the page polls

    def of(self, kind: str) -> list:
        return [getattr(e, kind) for e in self.elements if e.WhichOneof("type") == kind]

    def text(self) -> str:
        """Every markdown, alert, heading, caption and st.html body, joined (for assertions), with
        Markdown escapes undone so that a key or a word can't hide behind a backslash."""
        parts = [e.markdown.body for e in self.elements if e.WhichOneof("type") == "markdown"]
        parts += [e.alert.body for e in self.elements if e.WhichOneof("type") == "alert"]
        parts += [e.heading.body for e in self.elements if e.WhichOneof("type") == "heading"]
        parts = [unescaped(part) for part in parts]
        parts += [e.html.body for e in self.elements if e.WhichOneof("type") == "html"]  # record text
        return "\n".join(parts)

    @property
    def exceptions(self) -> list:
        return self.of("exception")


class StreamlitClient:
    """One browser-like session on the app's websocket (`with StreamlitClient(url) as s: ...`)."""

    def __init__(self, base_url: str, timeout: float = 60.0):
        ws_url = base_url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self._ws = connect(ws_url, subprotocols=["streamlit"], open_timeout=timeout, max_size=None)
        self._timeout = timeout
        self._messages: queue.Queue = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.query_string = ""
        self.page = ""
        self.polling: tuple[float, str] | None = None  # (interval, fragment id) while a fragment polls

    def __enter__(self) -> "StreamlitClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._ws.close()
        except Exception:  # noqa: BLE001 - the server may be gone (crash tests)
            pass

    def _read(self) -> None:
        try:
            for data in self._ws:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self._messages.put(msg)
        except Exception:  # noqa: BLE001 - closed: wake any waiter
            pass
        self._messages.put(None)

    def open(self, page: str, query_string: str = "") -> Run:
        """A full run of `page` ("generate", "history", ...) with that query string."""
        self.page, self.query_string = page, query_string
        return self._run(ClientState(query_string=query_string, page_name=page, context_info=_context()))

    def rerun(self, widgets: list[WidgetState] = (), fragment_id: str = "") -> Run:
        """Rerun the current page (or only a fragment) with these widget values."""
        state = ClientState(query_string=self.query_string, page_name=self.page, fragment_id=fragment_id,
                            widget_states=WidgetStates(widgets=list(widgets)), context_info=_context(),
                            is_auto_rerun=bool(fragment_id))
        return self._run(state)

    def poll(self) -> Run | None:
        """What the browser's timer does: rerun the polling fragment (None when nothing polls)."""
        return self.rerun(fragment_id=self.polling[1]) if self.polling else None

    def _run(self, state: ClientState) -> Run:
        started, run = time.monotonic(), Run(query_string=self.query_string)
        self._ws.send(BackMsg(rerun_script=state).SerializeToString())
        while True:
            msg = self._messages.get(timeout=self._timeout)
            if msg is None:
                raise ConnectionError("the app closed the websocket")
            kind = msg.WhichOneof("type")
            if kind == "new_session":  # every run (or rerun inside this one) starts afresh
                run.elements, run.auto_rerun = [], None
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                run.elements.append(msg.delta.new_element)
            elif kind == "page_info_changed":
                self.query_string = run.query_string = msg.page_info_changed.query_string
            elif kind == "page_not_found":
                run.page_not_found = True
            elif kind == "auto_rerun":
                run.auto_rerun = (msg.auto_rerun.interval, msg.auto_rerun.fragment_id)
            elif kind == "script_finished" and msg.script_finished in DONE:
                run.seconds = time.monotonic() - started
                if msg.script_finished != ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                    self.polling = run.auto_rerun  # a full run decides whether the page polls
                return run


def _context() -> ContextInfo:
    return ContextInfo(timezone="UTC", timezone_offset=0, locale="en-US", url="http://127.0.0.1/",
                       is_embedded=False, color_scheme="light")


def text_area(run: Run, label: str, value: str) -> WidgetState:
    widget = next(w for w in run.of("text_area") if w.label == label)
    return WidgetState(id=widget.id, string_value=value)


def submit_button(run: Run, label: str) -> WidgetState:
    button = next(b for b in run.of("button") if b.label == label)
    return WidgetState(id=button.id, trigger_value=True)
