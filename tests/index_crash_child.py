"""Run by test_search_index: one generation that finishes; the process dies after its final record
is committed to DuckDB and before the search index sees it. The kill is patched in here, in the
child only (`IndexFeed.committed` is the persister's next call after each commit), so genlib itself
carries no test hook."""
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from genlib import GenerationRequest  # noqa: E402
from genlib.search.sync import IndexFeed  # noqa: E402
from tests.vaults import make_vault  # noqa: E402

EXIT_CODE = 70
_committed = IndexFeed.committed


def _die_before_indexing_a_final_record(feed, began, records, live_ids):
    if any(not gen.is_live for gen in records):
        os._exit(EXIT_CODE)  # no cleanup at all, as a killed process
    _committed(feed, began, records, live_ids)


IndexFeed.committed = _die_before_indexing_a_final_record
vault = make_vault(Path(sys.argv[1]), flush_interval_s=0.05)
gen_id = vault.start(GenerationRequest(prompt=sys.argv[2], model="offline-demo"), user_id="ana")
print(gen_id, flush=True)
vault.wait(gen_id, timeout=30)
time.sleep(30)  # not reached: the patched call exits the process first
