"""Two replicas in real processes over one PostgreSQL schema, Redis prefix and S3 bucket (issue 11):
ownership and crash recovery, live follow and cancel from the other replica, single flight, a budget
held across replicas. Each replica is tests/replica_child.py (a Vault configured by GENLIB_*_URL)."""
from __future__ import annotations

import time
from decimal import Decimal

import pytest

from tests.faults import until
from tests.fakeprovider import FakeProvider
from tests.replicas import Replica

WORDS = [f"w{i:03d} " for i in range(400)]
SLOW = dict(text="".join(WORDS), chunks=len(WORDS), delay=0.05)  # 20 s of text, a piece every 50 ms
MINI_IN, MINI_OUT = Decimal("0.15"), Decimal("0.6")  # as tests/test_budgets.py
WORST = (1000 * MINI_OUT + 13 * MINI_IN) / 1_000_000  # one "question number NN" with max_tokens 1000


@pytest.fixture
def fake():
    with FakeProvider() as server:
        yield server


@pytest.fixture
def replicas(team_env, tmp_path, fake):
    """Start replicas on demand (`replicas(n)`), each with its own data dir; all closed afterwards."""
    budgets = tmp_path / "budgets.toml"
    env = {**team_env, "GENLIB_BUDGETS_FILE": str(budgets)}
    started = []

    def start(n: int = 1) -> list[Replica]:
        new = [Replica(env, tmp_path / f"replica{len(started) + i}", fake) for i in range(n)]
        started.extend(new)
        return new
    start.budgets = budgets
    yield start
    for replica in started:
        replica.close()


def test_a_killed_replicas_generation_ends_interrupted_on_the_survivor_and_no_start_touches_it(replicas, fake):
    fake.default.update(SLOW)
    a, = replicas(1)
    gen_id = a.call("start", prompt="crash test")["id"]
    b, = replicas(1)  # its start-up sweep runs while a's generation streams
    assert len(b.call("follow", gen_id=gen_id, chars=40)) > 1  # b sees it grow: a is alive
    assert b.call("get", gen_id=gen_id)["status"] == "streaming"
    c, = replicas(1)
    c.close()  # a start and a clean shutdown of a neighbour: a's generation is untouched
    assert b.call("get", gen_id=gen_id)["status"] == "streaming"
    a.kill()
    killed = time.monotonic()
    ended = until(lambda: b.call("get", gen_id=gen_id)["status"] == "interrupted", timeout=60, every=0.5)
    assert ended, "the survivor never claimed the dead replica's generation"
    # the lease (30 s) must run out first: a dead replica is never presumed dead sooner
    assert time.monotonic() - killed > 20
    gen = b.call("get", gen_id=gen_id)
    assert gen["text"] and "".join(WORDS).startswith(gen["text"]) and "stopped" in gen["error"]


def test_follow_and_cancel_from_the_other_replica(replicas, fake):
    fake.default.update(SLOW)
    a, b = replicas(2)
    gen_id = a.call("start", prompt="followed")["id"]
    lengths = b.call("follow", gen_id=gen_id, chars=60)
    assert len(lengths) > 2 and lengths == sorted(lengths) and lengths[-1] >= 60
    assert b.call("cancel", gen_id=gen_id, user_id="bo") is False  # not bo's
    assert b.call("cancel", gen_id=gen_id, user_id="ana") is True
    gen = a.call("wait", gen_id=gen_id)
    assert gen["status"] == "cancelled" and gen["text"] and len(gen["text"]) < len(SLOW["text"])
    assert b.call("wait", gen_id=gen_id) == gen  # the other replica reads the same record


def test_identical_starts_on_two_replicas_make_one_provider_call(replicas, fake):
    fake.default.update(text="the one answer", chunks=5, delay=0.1)
    a, b = replicas(2)
    at = time.time() + 1.0
    a.process.stdin.write('{"op": "start_many", "args": {"prompts": ["same question"], "at": %r}}\n' % at)
    a.process.stdin.flush()
    on_b = b.call("start_many", prompts=["same question"], at=at)[0]["id"]
    on_a = a._read()["result"][0]["id"]
    finals = [a.call("wait", gen_id=on_a), b.call("wait", gen_id=on_b)]
    assert [g["status"] for g in finals] == ["complete", "complete"]
    assert [g["text"] for g in finals] == ["the one answer"] * 2
    assert fake.calls("chat") == 1
    later = a.call("start", prompt="same question")["id"]  # within the TTL: a cache hit, its own record
    assert a.call("wait", gen_id=later)["cached_from"] in (on_a, on_b) and fake.calls("chat") == 1


def test_twenty_starts_over_two_replicas_against_a_budget_that_fits_five(replicas, fake):
    fake.default.update(hang=1.0)  # all twenty are in flight together
    replicas.budgets.write_text(f"[default_user]\ndaily_usd = {WORST * 5 + WORST / 2}\n")
    a, b = replicas(2)
    at = time.time() + 1.5
    prompts = [f"question number {i:02d}" for i in range(20)]
    a.process.stdin.write('{"op": "start_many", "args": {"prompts": %s, "at": %r}}\n'
                          % (str(prompts[:10]).replace("'", '"'), at))
    a.process.stdin.flush()
    answers = b.call("start_many", prompts=prompts[10:], at=at) + a._read()["result"]
    started = [x["id"] for x in answers if "id" in x]
    refused = [x for x in answers if "refused" in x]
    for gen_id in started:
        assert a.call("wait", gen_id=gen_id)["status"] == "complete"
    assert len(started) == 5 and len(refused) == 15 and fake.calls("chat") == 5
    assert all(x["refused"] == "BudgetExceeded" and "daily budget" in x["message"] for x in refused)


def test_redis_lost_refuses_starts_under_a_budget_and_lets_others_through(redis_space, tmp_path, fake):
    """Fail closed: with the coordination service gone, no start under a budget reaches the provider."""
    from urllib.parse import urlsplit

    from genlib import BudgetExceeded, GenerationRequest
    from tests.tcpproxy import TcpProxy
    from tests.vaults import make_vault

    server = urlsplit(redis_space.url)
    proxy = TcpProxy(server.hostname, server.port or 6379)
    budgets = tmp_path / "budgets.toml"
    budgets.write_text("[users.ana]\ndaily_usd = 5\n")
    vault = make_vault(tmp_path / "data", fake, budgets_file=budgets,
                       redis_url=f"redis://127.0.0.1:{proxy.port}/0?prefix={redis_space.prefix}")
    try:
        ask = GenerationRequest("before", "gpt-4o-mini", params={"max_tokens": 100})
        assert vault.wait(vault.start(ask, "ana"), timeout=20).status == "complete"
        proxy.stop()
        with pytest.raises(BudgetExceeded, match="Redis"):
            vault.start(GenerationRequest("after", "gpt-4o-mini", params={"max_tokens": 100}), "ana")
        free = vault.start(GenerationRequest("no budget", "gpt-4o-mini"), "bo")  # bo has none: passes
        assert vault.wait(free, timeout=20).status == "complete"
        assert fake.calls("chat") == 2
    finally:
        vault.close()


def cli(env: dict, tmp_path, *args: str):
    import os
    import subprocess
    import sys

    full = {**os.environ, **env, "GENLIB_DATA_DIR": str(tmp_path / "cli")}
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):  # an analyst's shell: no provider needed
        full.pop(name, None)
    return subprocess.run([sys.executable, "-m", "genlib", *args], env=full, capture_output=True, text=True,
                          timeout=120)


def test_the_cli_reads_while_replicas_run(replicas, team_env, tmp_path, fake):
    fake.default.update(SLOW)
    a, = replicas(1)
    streaming = a.call("start", prompt="analysts read this")["id"]
    assert len(a.call("follow", gen_id=streaming, chars=20)) > 1
    fake.default.clear()
    picture = a.call("start_image", prompt="a red square")["id"]
    assert a.call("wait", gen_id=picture)["status"] == "complete"
    listed = cli(team_env, tmp_path, "list")
    assert listed.returncode == 0 and streaming in listed.stdout and picture in listed.stdout
    found = cli(team_env, tmp_path, "search", "analysts")
    assert found.returncode == 0 and streaming in found.stdout and picture not in found.stdout
    shown = cli(team_env, tmp_path, "show", streaming)
    assert shown.returncode == 0 and "streaming" in shown.stdout  # the replica's lease is alive: untouched
    assert cli(team_env, tmp_path, "costs").returncode == 0
    exported = cli(team_env, tmp_path, "export", str(tmp_path / "out.csv"))
    assert exported.returncode == 0 and picture in (tmp_path / "out.csv").read_text()
    image = cli(team_env, tmp_path, "image", picture, "--out", str(tmp_path / "p.png"))
    assert image.returncode == 0 and (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
    assert a.call("get", gen_id=streaming)["status"] == "streaming"  # no CLI start or exit touched it
    doctor = cli(team_env, tmp_path, "doctor")
    lines = doctor.stdout.splitlines()
    assert doctor.returncode == 0 and len(lines) == 3 and all(" ok " in line for line in lines)
    assert ["PostgreSQL" in lines[0], "object store" in lines[1], "Redis" in lines[2]] == [True] * 3
    assert "schema" in lines[0] and "version" in lines[0]


def test_doctor_names_a_backend_it_cannot_reach_on_its_own_line(tmp_path):
    broken = {"GENLIB_DATABASE_URL": "postgresql://nobody:secret@127.0.0.1:1/none",
              "GENLIB_REDIS_URL": "redis://:secret@127.0.0.1:1/0"}
    doctor = cli(broken, tmp_path, "doctor")
    lines = doctor.stdout.splitlines()
    assert doctor.returncode == 1 and len(lines) == 3, doctor.stdout + doctor.stderr
    assert "FAILED" in lines[0] and "127.0.0.1:1" in lines[0] and " ok " in lines[1] and "FAILED" in lines[2]
    assert "secret" not in doctor.stdout + doctor.stderr
