"""`make run-local` (scripts/run_local.py): starts llama.cpp's server on a free port, runs the app
against it, and stops the server when the app stops."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from scripts.localmodel import MODEL_ALIAS, free_port
from tests.apphealth import wait_healthy
from tests.reliability.stclient import StreamlitClient

ROOT = Path(__file__).resolve().parents[2]


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_run_local_serves_the_app_on_the_local_model_and_stops_the_server_with_it(llama_server, tmp_path):
    port, log = free_port(), tmp_path / "run-local.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENLIB_", "OPENAI_", "STREAMLIT_"))}
    env.update(GENLIB_DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1", TMPDIR=str(tmp_path))  # its log
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "scripts/run_local.py", "--port", str(port), "--threads", "1"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc, lambda: log.read_text(errors="replace"), timeout=180)
        server_url = re.search(r"Local model ready at (http://127\.0\.0\.1:(\d+)/v1)", log.read_text()).group(1)
        with urllib.request.urlopen(server_url + "/models", timeout=10) as response:
            assert MODEL_ALIAS in response.read().decode()
        with StreamlitClient(f"http://127.0.0.1:{port}") as client:
            page = client.open("generate")
            models = next(list(box.options) for box in page.of("selectbox") if box.label == "Model")
            assert models[0] == MODEL_ALIAS and "offline demo" not in page.text().lower()
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)  # the app stops, then run_local stops the server and exits
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
    server_port = int(server_url.rsplit(":", 1)[1].split("/")[0])
    assert not listening(server_port), "the local model server outlived the app"
    assert "Local model server stopped." in log.read_text()
