"""Child of test_crash_prune.py: prune the data dir given (then compact it if told: `compact`), in
batches of 50, saying "batch" after each batch buried and cleaned, until the parent kills it with
SIGKILL (or it ends and says "done"). A team deployment comes from GENLIB_*_URL, as a replica's."""
from __future__ import annotations

import sys
from pathlib import Path

import genlib.retention.prune as prune_module
from genlib import Settings, Vault

prune_module.BATCH = 50
real_sweep = prune_module.sweep


def sweep_and_say(*args, **kwargs):
    done = real_sweep(*args, **kwargs)
    if done:  # not the sweep of what an earlier run left: a batch was buried and cleaned
        print("batch", flush=True)
    return done


prune_module.sweep = sweep_and_say
vault = Vault(Settings.from_env(data_dir=Path(sys.argv[1])))
report = vault.prune(compact=sys.argv[2:] == ["compact"])
print("done", report.count, flush=True)
vault.close()
