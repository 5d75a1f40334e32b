"""`make run-local`: the app on a real local model, with no key and no network.

Starts llama.cpp's server (Gemma 3 270M, scripts/localmodel.py) on a free loopback port, runs
`streamlit run app.py` pointed at it, and stops the server when the app stops (Ctrl+C, SIGTERM,
or the app exiting). The API key is a dummy: the local server asks for none.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from scripts.localmodel import MODEL_ALIAS, LocalServer, missing  # noqa: E402 - after the path fix


def app_env(base_url: str) -> dict:
    env = {**os.environ, "OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": "local-no-key-needed"}
    env.setdefault("GENLIB_MODELS", MODEL_ALIAS)  # offer the local model first, not hosted ones
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8501, help="the app's port")
    parser.add_argument("--threads", type=int, default=max(1, (os.cpu_count() or 2)))
    args = parser.parse_args()
    reason = missing()
    if reason:
        print(f"The local model can't start: {reason}", file=sys.stderr)
        return 2
    log = Path(tempfile.gettempdir()) / f"genvault-llama-server-{os.getpid()}.log"
    signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM ends us the way Ctrl+C does: through `finally`
    server = app = None
    try:
        print(f"Starting llama.cpp's server with {MODEL_ALIAS} (log: {log})…", flush=True)
        server = LocalServer(log, threads=args.threads).start()
        print(f"Local model ready at {server.base_url}; starting the app on http://localhost:{args.port}",
              flush=True)
        app = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port",
                                str(args.port)], cwd=ROOT, env=app_env(server.base_url))
        return app.wait()
    except KeyboardInterrupt:
        if app is None:
            return 130
        app.send_signal(signal.SIGTERM)  # a SIGTERM came to us alone; Ctrl+C has reached the app already
        return app.wait()
    finally:
        if server is not None:  # a start that failed or was interrupted stopped its own process
            server.stop()
            print("Local model server stopped.", flush=True)


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
