"""Waiting for a `streamlit run` started by a test: shared by the browser and reliability suites."""
from __future__ import annotations

import subprocess
import time
import urllib.request
from typing import Callable


def wait_healthy(url: str, proc: subprocess.Popen, log_text: Callable[[], str], timeout: float = 90) -> None:
    """Return once `/_stcore/health` answers 200; raise with the log's tail if the app exits or stalls."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)  # polling a start-up, not asserting timing
    raise RuntimeError(f"streamlit was not healthy after {timeout:.0f}s:\n{log_text()[-4000:]}")


def stop(proc: subprocess.Popen, grace_s: float = 20) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `grace_s` (an app's shutdown may hang)."""
    proc.terminate()
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
