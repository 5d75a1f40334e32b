"""Start-up shared by the multi-replica browser tests (issue 11): real `streamlit run app.py`
replicas over one team deployment (PostgreSQL schema, Redis prefix, moto S3 bucket) talking to the
in-process FakeProvider, and deploy/nginx.conf in front of them."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.apphealth import stop, wait_healthy
from tests.browser.conftest import free_port
from tests.browser.helpers import ROOT


def replica_env(team_env: dict, fake) -> dict:
    """The environment of every replica: the team URLs, the fake provider, nothing inherited from GENLIB_*."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GENLIB_", "OPENAI_", "STREAMLIT_"))}
    return {**base, **team_env, "OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": "test-key",
            "GENLIB_FLUSH_MS": "100", "PYTHONUNBUFFERED": "1"}


def start_replica(env: dict, data_dir: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless",
           "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**env, "GENLIB_DATA_DIR": str(data_dir)}, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, proc, lambda: log.read_text(errors="replace"))
    return proc, url


def kill_9(proc: subprocess.Popen) -> None:
    """kill -9 the replica's whole process group: no shutdown, no sweep, its leases left to expire."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def start_nginx(folder: Path, ports: list[int]) -> tuple[subprocess.Popen, str]:
    """deploy/nginx.conf as shipped, only its ports changed to free ones."""
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        pytest.fail("nginx is not installed (make test installs Debian's nginx)", pytrace=False)
    listen = free_port()
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    conf = conf.replace("127.0.0.1:8501", f"127.0.0.1:{ports[0]}").replace("127.0.0.1:8502", f"127.0.0.1:{ports[1]}")
    conf = conf.replace("listen 127.0.0.1:8080", f"listen 127.0.0.1:{listen}")
    (folder / "tmp").mkdir(parents=True)
    (folder / "nginx.conf").write_text(conf)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    proc = subprocess.Popen([nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    url = f"http://127.0.0.1:{listen}"
    wait_healthy(url, proc, lambda: (folder / "error.log").read_text(errors="replace")
                 if (folder / "error.log").exists() else "")
    return proc, url


@contextmanager
def replicas(team_env: dict, fake, tmp_path: Path, count: int = 2, nginx: bool = False, **extra_env: str):
    """Yields (procs, urls[, nginx URL]): `count` replicas, each with its own data dir and log; all
    stopped (SIGTERM, then SIGKILL) on the way out, those already killed by the test included;
    `extra_env` adds variables (GENLIB_BUDGETS_FILE=...)."""
    env = {**replica_env(team_env, fake), **extra_env}
    procs, urls = [], []
    try:
        for i in range(count):
            proc, url = start_replica(env, tmp_path / f"replica{i}", tmp_path / f"replica{i}.log")
            procs.append(proc)
            urls.append(url)
        if not nginx:
            yield procs, urls
            return
        proc, front = start_nginx(tmp_path / "nginx", [int(u.rsplit(":", 1)[1]) for u in urls])
        procs.append(proc)
        yield procs, urls, front
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                stop(proc)
