"""Run by the crash tests: start N streaming generations, print "<prompt>\\t<id>" for each, then wait.

    python tests/reliability/crash_child.py DATA_DIR BASE_URL PREFIX N

Uses the production flush interval (200 ms) so the loss window measured is the real one.
"""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from genlib import GenerationRequest  # noqa: E402
from tests.vaults import make_vault  # noqa: E402


class _Endpoint:  # make_vault only needs base_url to point at the parent's fake provider
    def __init__(self, base_url):
        self.base_url = base_url


def main() -> None:
    data_dir, base_url, prefix, count = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    vault = make_vault(data_dir, _Endpoint(base_url), flush_interval_s=0.2, request_timeout_s=60.0)
    for i in range(count):
        prompt = f"{prefix}-{i:02d}"
        gen_id = vault.start(GenerationRequest(prompt=prompt, model="gpt-4o-mini"), user_id="ana")
        print(f"{prompt}\t{gen_id}", flush=True)
    print("started", flush=True)
    time.sleep(600)


if __name__ == "__main__":
    main()
