"""The fake provider in a process of its own, for load runs: every chat request streams the same
`--tokens` pieces (" tok0 tok1 ...") one every `--delay` seconds, with a usage chunk.

    python -m tests.reliability.fake_server --tokens 400 --delay 0.025   # prints its base URL

Out of the test process, its 64 streaming threads don't compete with the measuring clients for
one GIL, so the latencies measured are the app's.
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.fakeprovider import FakeProvider  # noqa: E402


def expected_text(tokens: int) -> str:
    return "".join(f" tok{i}" for i in range(tokens))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=400)
    parser.add_argument("--delay", type=float, default=0.025)
    args = parser.parse_args()
    fake = FakeProvider(port=0, tokens=args.tokens, delay=args.delay).start()
    print(fake.base_url, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    done.wait()
    fake.stop()


if __name__ == "__main__":
    main()
