"""kill -9 a prune mid-way (issue 14), reopen, check nothing is half-deleted, run it again.

The child (prune_child.py) prunes 1,200 old generations, 60 with pictures, in batches of 50 and
is SIGKILLed after a few batches plus a random delay, so the kill lands anywhere: inside a burial's
transaction, between its commit and the pictures' deletion, between batches, or (after the last
batch of a compacting prune) while the database file is rewritten. Then: every record is whole or
a tombstone with its content gone, the books match, and a second prune finishes the job. On the
embedded set, and on the team set (PostgreSQL, S3 on moto, Redis) with the policy in the database.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from genlib import NotFound, Settings, Vault
from tests.contract.records import finished, pending
from tests.contract.test_image_store import png

ROOT = Path(__file__).resolve().parents[2]
N, WITH_PICTURES = 1200, 60
POLICY = "[retention]\ndays = 30\n"


def seed(vault) -> tuple[dict, dict, object]:
    """N finished records 31-90 days old (every 50th with a picture), and the policy; the books."""
    prompts, pictures = {}, {}
    for i in range(N):
        gen = finished(pending(f"prompt {i}", user=f"user{i % 3}", ago_s=(31 + i * 59 / N) * 86400),
                       f"answer {i}", cost="0.0125")
        if i < WITH_PICTURES:
            pictures[gen.id] = vault.images.save(gen.id, 0, png())
            gen.images_json = json.dumps([pictures[gen.id]])
        prompts[gen.id] = gen.prompt
        vault.store.insert(gen)  # finished already, as a dedup hit's copy is
    vault.save_settings("budgets", POLICY, None)
    return prompts, pictures, books(vault)


def books(vault):
    costs = vault.costs()
    return costs.totals, costs.by_day_model.to_dict("records"), costs.by_user.to_dict("records")


def stored(vault, name: str) -> bool:
    try:
        return bool(vault.images.read(name))
    except NotFound:
        return False


def check_whole_or_buried(vault, prompts: dict, pictures: dict) -> int:
    buried = 0
    for gen_id, prompt in prompts.items():
        gen, tomb = vault.store.get(gen_id), vault.store.tombstone(gen_id)
        assert gen is not None and gen.cost_usd == Decimal("0.0125")
        if tomb is None:
            assert (gen.prompt, gen.result_text) == (prompt, f"answer {prompt.split()[1]}")
            assert gen_id not in pictures or stored(vault, pictures[gen_id]["path"])
        else:
            assert (gen.prompt, gen.result_text, gen.images_json) == ("", "", None)
            buried += 1
    return buried


def kill_round(data: Path, env: dict, open_vault, batches: int, seed_value: int, mode: str) -> None:
    vault = open_vault()
    try:
        prompts, pictures, before = seed(vault)
    finally:
        vault.close()
    child = subprocess.Popen([sys.executable, "-m", "tests.reliability.prune_child", str(data), mode], cwd=ROOT,
                             env={**os.environ, **env}, stdout=subprocess.PIPE, text=True)
    try:
        seen = 0
        for line in child.stdout:
            seen += line.startswith("batch")
            if seen >= batches or line.startswith("done"):
                break
        assert seen, "the child pruned nothing before it ended"
        time.sleep(random.Random(seed_value).uniform(0, 0.05))
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(30)
    vault = open_vault()
    try:
        assert 0 < check_whole_or_buried(vault, prompts, pictures) <= N
        assert books(vault) == before
        vault.prune()
        assert check_whole_or_buried(vault, prompts, pictures) == N
        assert vault.store.unswept(10) == [] and vault.search().items == []
        assert not any(stored(vault, p[k]) for p in pictures.values() for k in ("path", "thumb"))
        assert books(vault) == before and vault.prune().count == 0
    finally:
        vault.close()


# The last case kills it after its last batch: in the compaction (file rewrite) or just after it.
@pytest.mark.parametrize("batches, seed_value, mode", [(1, 1, ""), (3, 2, ""), (6, 3, ""), (N // 50, 4, "compact")])
def test_a_prune_killed_mid_way_leaves_nothing_half_deleted_and_the_next_run_finishes(tmp_path, batches,
                                                                                      seed_value, mode):
    data = tmp_path / "data"
    env = {"GENLIB_DATA_DIR": str(data)}
    kill_round(data, env, lambda: Vault(Settings(data_dir=data)), batches, seed_value, mode)


@pytest.mark.parametrize("batches, seed_value", [(2, 5), (5, 6)])
def test_the_same_on_the_team_deployment(tmp_path, team_env, batches, seed_value):
    data = tmp_path / "data"
    urls = {"database_url": team_env["GENLIB_DATABASE_URL"], "blob_url": team_env["GENLIB_BLOB_URL"],
            "redis_url": team_env["GENLIB_REDIS_URL"]}
    kill_round(data, team_env, lambda: Vault(Settings(data_dir=data, **urls)), batches, seed_value, "")
