"""SIGKILL a genlib process while 20 generations stream; reopen; nothing lost beyond ~0.5 s.

The child (tests/reliability/crash_child.py) uses the production 200 ms flush. The provider
(`RecordingFake`) keeps a timestamped ledger of every piece it sent, so the loss is measured, not
guessed. `make test` runs one round; `make soak` runs many, with kills from 50 ms to 4 s in and
kills while the generations are still being started.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from genlib import Filters
from tests.reliability.crashcheck import check_database_opens_clean, check_recovered, script_streams, words
from tests.reliability.recording import RecordingFake, missing_seconds
from tests.vaults import make_vault

CHILD = Path(__file__).with_name("crash_child.py")
ROOT = Path(__file__).resolve().parents[2]
N = 20


def crash_round(tmp_path: Path, seed: int, kill_after_s: float, kill_at_start: int | None = None):
    """Start N generations in a child, SIGKILL it, reopen the data dir and check everything."""
    data = tmp_path / f"data-{seed}"
    prompts = [f"crash{seed}-{i:02d}" for i in range(N)]
    with RecordingFake() as fake:
        script_streams(fake, prompts, seed)
        child = subprocess.Popen([sys.executable, str(CHILD), str(data), fake.base_url, f"crash{seed}", str(N)],
                                 stdout=subprocess.PIPE, text=True)
        started = {}
        try:
            for line in child.stdout:
                if line.strip() == "started" or (kill_at_start is not None and len(started) >= kill_at_start):
                    break
                prompt, gen_id = line.strip().split("\t")
                started[prompt] = gen_id
            time.sleep(kill_after_s)
            moment = time.monotonic()
            child.send_signal(signal.SIGKILL)
        finally:
            child.kill()
            child.wait(10)
        vault = make_vault(data, fake)  # the restart: opens the file and sweeps
        try:
            check_database_opens_clean(vault)
            recovery = check_recovered(vault, fake, started, moment, f"crash{seed}-")
            assert vault.interrupted_at_start == recovery.statuses["interrupted"]
            return recovery
        finally:
            vault.close()


def test_sigkill_during_20_streams_keeps_every_generation(tmp_path):
    recovery = crash_round(tmp_path, seed=1, kill_after_s=1.5)
    assert recovery.rows == N
    assert recovery.statuses["complete"] >= 2 and recovery.statuses["interrupted"] >= 2


@pytest.mark.soak
@pytest.mark.timeout(900)
def test_sigkill_at_random_moments_soak(tmp_path):
    rng, worst = random.Random(2026), 0.0
    for seed in range(2, 14):
        kill_at_start = rng.randint(1, N - 1) if seed % 4 == 0 else None
        recovery = crash_round(tmp_path, seed, rng.uniform(0.05, 4.0), kill_at_start)
        worst = max(worst, recovery.worst_loss_s)
    print(f"\nworst loss over the soak: {worst:.3f} s")


def test_sigterm_stops_the_cli_cleanly_and_keeps_what_arrived(tmp_path, recording_fake):
    """`python -m genlib generate` treats SIGTERM like Ctrl+C: cancel, save the partial, exit."""
    recording_fake.script("cli sigterm", text=words("c", 400), chunks=400, delay=0.01)
    env = {**os.environ, "GENLIB_DATA_DIR": str(tmp_path / "data"), "OPENAI_BASE_URL": recording_fake.base_url,
           "OPENAI_API_KEY": "sk-cli-0000000000"}
    cli = subprocess.Popen([sys.executable, "-m", "genlib", "generate", "cli sigterm"], cwd=ROOT, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Signal once text is flowing (the CLI's imports, and so its SIGTERM handler, are done): a fixed
    # sleep raced a slow start on a loaded machine and killed the CLI before the handler existed.
    deadline = time.monotonic() + 60
    while len(recording_fake.sent("cli sigterm")) < 200 and time.monotonic() < deadline and cli.poll() is None:
        time.sleep(0.05)
    moment = time.monotonic()
    cli.send_signal(signal.SIGTERM)
    cli.wait(10)
    assert time.monotonic() - moment < 5.0 and cli.returncode == 1  # "cancelled" is not a success
    vault = make_vault(tmp_path / "data")
    try:
        assert vault.interrupted_at_start == 0  # it stopped cleanly: nothing for the sweep
        [gen] = vault.search(Filters()).items
        assert gen.status == "cancelled" and recording_fake.sent("cli sigterm").startswith(gen.result_text)
        before = recording_fake.sent_before("cli sigterm", moment)
        assert missing_seconds(before, gen.result_text, moment) <= 0.1 and gen.usage_estimated
    finally:
        vault.close()
