"""Run by test_search_index: one generation that finishes; the process dies (the env hook in
genlib/search/sync.py) after its final record is committed and before the search index is updated."""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from genlib import GenerationRequest  # noqa: E402
from tests.vaults import make_vault  # noqa: E402

vault = make_vault(Path(sys.argv[1]), flush_interval_s=0.05)
gen_id = vault.start(GenerationRequest(prompt=sys.argv[2], model="offline-demo"), user_id="ana")
print(gen_id, flush=True)
vault.wait(gen_id, timeout=30)
time.sleep(30)  # not reached: the hook exits the process first
