"""A SIGKILL mid-stream loses at most one flush interval of text; restart marks the row interrupted."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from genlib import Filters
from tests.fakeprovider import FakeProvider
from tests.vaults import make_vault

WORDS = [f"w{i:03d} " for i in range(400)]
CHILD = Path(__file__).with_name("crash_child.py")


def test_sigkill_mid_stream_leaves_an_interrupted_row_with_its_partial_text(tmp_path):
    data = tmp_path / "data"
    with FakeProvider() as fake:
        fake.enqueue(text="".join(WORDS), chunks=len(WORDS), delay=0.01)
        child = subprocess.Popen([sys.executable, str(CHILD), str(data), fake.base_url],
                                 stdout=subprocess.PIPE, text=True)
        gen_id = child.stdout.readline().strip()
        time.sleep(1.2)  # ~120 chunks sent, several flushes done
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        sent_at_kill = 120
    vault = make_vault(data)
    try:
        gen = vault.get(gen_id)
        assert vault.interrupted_at_start == 1
        assert gen.status == "interrupted" and "stopped" in gen.error
        assert "".join(WORDS).startswith(gen.result_text)
        kept = len(gen.result_text) // len(WORDS[0])
        # 0.2 s flush interval at 100 chunks/s: at most ~20 chunks, plus scheduling slack on a busy box
        assert kept >= sent_at_kill - 60, f"kept only {kept} chunks"
        assert gen.output_tokens and gen.usage_estimated
        assert [g.status for g in vault.search(Filters()).items] == ["interrupted"]
        assert vault.cache.get(gen.dedup_key) is None  # never served as a finished answer
    finally:
        vault.close()
