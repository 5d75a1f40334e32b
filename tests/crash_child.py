"""Run by test_crash: start one slow generation, report its id, then keep streaming until killed."""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from genlib import GenerationRequest  # noqa: E402
from tests.vaults import make_vault  # noqa: E402


class _Fake:  # only base_url is needed to point the vault at the parent's server
    def __init__(self, base_url):
        self.base_url = base_url


vault = make_vault(Path(sys.argv[1]), _Fake(sys.argv[2]), flush_interval_s=0.2)
gen_id = vault.start(GenerationRequest(prompt="crash test", model="gpt-4o-mini"), user_id="ana")
print(gen_id, flush=True)
time.sleep(60)
