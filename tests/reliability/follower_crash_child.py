"""Run by the follower crash test: one generation and identical requests that follow it in flight.

    python tests/reliability/follower_crash_child.py DATA_DIR BASE_URL

With a team-shared dedup cache: "ana" starts the call, "ana" again and "bob" follow it. Prints
"<user>\\t<id>" for each, then "started", and streams until SIGKILLed.
"""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from genlib import GenerationRequest  # noqa: E402
from tests.vaults import make_vault  # noqa: E402


class _Endpoint:
    def __init__(self, base_url):
        self.base_url = base_url


def main() -> None:
    vault = make_vault(Path(sys.argv[1]), _Endpoint(sys.argv[2]), flush_interval_s=0.2, dedup_scope="shared")
    for user in ("ana", "ana", "bob"):
        gen_id = vault.start(GenerationRequest("asked three times", "gpt-4o-mini"), user_id=user)
        print(f"{user}\t{gen_id}", flush=True)
    print("started", flush=True)
    time.sleep(600)


if __name__ == "__main__":
    main()
