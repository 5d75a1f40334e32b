"""`streamlit run app.py` as a real subprocess that tests may kill, stop and start again.

Unlike the session-wide server of the browser tests, each `AppServer` belongs to one test: it
can be SIGKILLed mid-stream and restarted on the same data dir, given a secrets file (for
`[auth]` or an API key), or started without `--server.address` to check where it listens.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.apphealth import wait_healthy

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """One app process; `env` adds to a clean environment (no GENLIB_/OPENAI_/STREAMLIT_ leaks in)."""

    def __init__(self, data_dir: Path, log: Path, env: dict | None = None, port: int | None = None,
                 address: str | None = "127.0.0.1", secrets_file: Path | None = None):
        self.data_dir, self.log, self.port = Path(data_dir), Path(log), port or free_port()
        self.address, self.secrets_file = address, secrets_file
        base = {k: v for k, v in os.environ.items() if not k.startswith(("GENLIB_", "OPENAI_", "STREAMLIT_"))}
        self.env = {**base, "GENLIB_DATA_DIR": str(self.data_dir), "PYTHONUNBUFFERED": "1", **(env or {})}
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def at(self, path: str) -> str:
        """A URL on this app (the browser tests' helpers call it so)."""
        return self.url + path

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
               "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]
        if self.address:
            cmd += ["--server.address", self.address]
        if self.secrets_file:
            cmd += ["--secrets.files", str(self.secrets_file)]
        return cmd

    def start(self, timeout: float = 90) -> "AppServer":
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.command(), cwd=ROOT, env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_healthy(timeout)
        return self

    def wait_healthy(self, timeout: float) -> None:
        wait_healthy(self.url, self.proc, self.log_text, timeout)

    def kill(self) -> float:
        """SIGKILL now; returns the monotonic time of the kill."""
        moment = time.monotonic()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        return moment

    def terminate(self, timeout: float = 30) -> tuple[float, float]:
        """SIGTERM; returns (moment sent, seconds until the process had exited)."""
        moment = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout)
        return moment, time.monotonic() - moment

    def stop(self) -> None:
        """Teardown: terminate, then kill if it lingers (only this test's own process)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.terminate(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""
