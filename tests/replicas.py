"""Replicas in real processes for the multi-replica tests: `Replica(env, data_dir, fake)` starts
tests/replica_child.py (a Vault over the team deployment in `env`) and `call(op, **args)` sends it
one command and returns its answer."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

CHILD = Path(__file__).with_name("replica_child.py")


class Replica:
    def __init__(self, env: dict, data_dir: Path, fake):
        self.process = subprocess.Popen([sys.executable, str(CHILD), str(data_dir), fake.base_url],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        env={**os.environ, **env})
        self._read()  # {"ready": true} once its Vault is open

    def call(self, op: str, **args):
        self.process.stdin.write(json.dumps({"op": op, "args": args}) + "\n")
        self.process.stdin.flush()
        return self._read()["result"]

    def _read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the replica exited ({self.process.wait(10)})")
        return json.loads(line)

    def kill(self) -> None:
        """kill -9: no close, no sweep, leases left to expire."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.write(json.dumps({"op": "close"}) + "\n")
                self.process.stdin.flush()
                self.process.wait(30)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()
