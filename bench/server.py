"""The loopback OpenAI-compatible server every benchmark talks to, run in its own process.

It is `tests/fakeprovider.py`'s `FakeProvider`, with one addition: a request chooses its own
answer through a directive in its prompt, `[bench tokens=N delay=S]` (N synthetic tokens, S
seconds before each). Requests from many threads, from the raw SDK, genlib and `llm`, then get
exactly the answer they asked for, in any order, without a shared script queue.

A separate process, so the server's CPU time and GIL never slow the client being measured (a
real provider is on another machine). It exits when its stdin closes, so it never outlives a run.
"""
from __future__ import annotations

import re
import subprocess
import sys
from http.server import ThreadingHTTPServer

from tests.fakeprovider import FakeProvider

_DIRECTIVE = re.compile(r"\[bench tokens=(\d+) delay=([0-9.]+)\]")


def prompt(tokens: int, delay_s: float = 0.0, nonce: object = "") -> str:
    """A prompt asking the server for `tokens` tokens, `delay_s` apart; `nonce` keeps it unique."""
    return f"Benchmark request {nonce}: answer with filler. [bench tokens={tokens} delay={delay_s:g}]"


def expected_text(tokens: int) -> str:
    """The exact answer the server streams for `tokens` tokens."""
    return "".join(f" tok{i}" for i in range(tokens))


class BenchProvider(FakeProvider):
    """FakeProvider whose behaviour comes from the prompt's directive (else its defaults)."""

    def _record(self, entry: dict) -> dict:
        behaviour = super()._record(entry)
        self.requests.clear()  # thousands of requests: keep the log from growing
        messages = (entry.get("json") or {}).get("messages") or []
        match = _DIRECTIVE.search(str(messages[-1].get("content", ""))) if messages else None
        if match:
            behaviour.update(tokens=int(match.group(1)), delay=float(match.group(2)))
        return behaviour


class ServerProcess:
    """Context manager: starts `python -m bench.server` and yields its base URL."""

    def __init__(self):
        self._proc: subprocess.Popen | None = None
        self.base_url = ""

    def __enter__(self) -> "ServerProcess":
        self._proc = subprocess.Popen([sys.executable, "-m", "bench.server"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True)
        self.base_url = self._proc.stdout.readline().strip()
        if not self.base_url.startswith("http://127.0.0.1:"):
            self.__exit__()
            raise RuntimeError(f"bench server failed to start: {self.base_url!r}")
        return self

    def __exit__(self, *exc) -> None:
        if self._proc is None:
            return
        self._proc.stdin.close()  # the server exits on EOF
        try:
            self._proc.wait(5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(5)


def main() -> None:
    # 64 clients connect at once: the default listen backlog of 5 drops connections
    ThreadingHTTPServer.request_queue_size = 1024
    server = BenchProvider().start()
    print(server.base_url, flush=True)
    sys.stdin.read()  # blocks until the parent closes our stdin, or dies
    server.stop()


if __name__ == "__main__":
    main()
