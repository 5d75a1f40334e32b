"""SIGKILL a process in the middle of a comparison; reopen: the group reads back whole and each panel
is an ordinary generation the start-up sweep made `interrupted`, with the text received so far."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.fakeprovider import FakeProvider
from tests.vaults import make_vault

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import sys, time
from genlib import Panel
from tests.vaults import make_vault
vault = make_vault(sys.argv[1], None, base_url=sys.argv[2], api_key="k")
group = vault.compare_start("crash me", None, [Panel("gpt-4o-mini"), Panel("gpt-4.1-mini")], "ana")
print(group, flush=True)
time.sleep(60)
"""


def test_a_killed_comparison_keeps_its_group_and_its_panels_partial_text(tmp_path):
    data = tmp_path / "data"
    with FakeProvider() as fake:
        slow = dict(text="piece " * 200, chunks=200, delay=0.05)  # 10 s: killed long before the end
        fake.by_model.update({"gpt-4o-mini": slow, "gpt-4.1-mini": slow})
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(data), fake.base_url], cwd=ROOT,
                                 stdout=subprocess.PIPE, text=True)
        try:
            group_id = child.stdout.readline().strip()
            time.sleep(1.5)  # several flushes (200 ms) of both panels
            child.send_signal(signal.SIGKILL)
        finally:
            child.kill()
            child.wait(10)
        vault = make_vault(data, fake)
        try:
            group = vault.compare_get(group_id, "ana")
            assert group is not None and [p.model for p in group.panels] == ["gpt-4o-mini", "gpt-4.1-mini"]
            panels = [vault.get(g) for g in group.generation_ids]
            assert [p.status for p in panels] == ["interrupted", "interrupted"]
            assert all(p.result_text.startswith("piece piece") for p in panels)
            assert vault.interrupted_at_start == 2
        finally:
            vault.close()
