"""`python -m genlib`: generate, show, list/search, costs, export, reprice, and the lock message."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakeprovider import FakeProvider

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cli(tmp_path):
    fake = FakeProvider().start()
    env = {**os.environ, "GENLIB_DATA_DIR": str(tmp_path / "data"), "OPENAI_BASE_URL": fake.base_url,
           "OPENAI_API_KEY": "sk-test-secret-key", "GENLIB_USER": "cli-user"}

    def run(*args, check=True, **more_env):
        out = subprocess.run([sys.executable, "-m", "genlib", *args], cwd=ROOT, env={**env, **more_env},
                             capture_output=True, text=True, timeout=60)
        if check:
            assert out.returncode == 0, out.stderr
        return out

    run.fake, run.data_dir = fake, env["GENLIB_DATA_DIR"]
    yield run
    fake.stop()


def test_generate_streams_then_show_list_search_costs(cli, tmp_path):
    cli.fake.enqueue(text="Paris is the capital.")
    out = cli("generate", "Capital of France?", "-m", "gpt-4o-mini")
    assert "Paris is the capital." in out.stdout
    gen_id = out.stderr.split("id: ")[1].split()[0]
    shown = json.loads(cli("show", gen_id, "--json").stdout)
    assert shown["status"] == "complete" and shown["user_id"] == "cli-user" and shown["result_text"]
    assert gen_id in cli("list").stdout
    assert gen_id in cli("search", "france").stdout and gen_id not in cli("search", "germany").stdout
    assert "over 1 generation, " in cli("costs").stdout
    dest = tmp_path / "out.jsonl"
    cli("export", str(dest), "--format", "jsonl")
    assert json.loads(dest.read_text().splitlines()[0])["id"] == gen_id
    assert "sk-test-secret-key" not in dest.read_text()


def test_reprice_is_a_dry_run_unless_applied(cli, tmp_path):
    cli("generate", "a local model", "-m", "fake-model")
    assert "0 would change" in cli("reprice").stdout
    prices = tmp_path / "data" / "prices.toml"
    prices.write_text('[models."fake-model"]\ninput_per_mtok = 1.0\noutput_per_mtok = 2.0\n')
    dry = cli("reprice").stdout
    assert "1 would change (1 newly priced)" in dry and "dry run" in dry
    assert "unpriced" in cli("list").stdout
    cli("reprice", "--apply")
    assert "unpriced" not in cli("list").stdout


def test_unknown_id_and_bad_input_give_one_clear_line(cli):
    out = cli("show", "'; DROP TABLE generations; --", check=False)
    assert out.returncode == 4 and "not found" in out.stderr and "Traceback" not in out.stderr
    out = cli("generate", "   ", check=False)
    assert out.returncode == 1 and "empty" in out.stderr and "Traceback" not in out.stderr


def test_a_database_held_by_another_process_is_named(cli, tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from genlib import Vault; v = Vault(); "
                               "print('ready', flush=True); time.sleep(30)"],
                              cwd=ROOT, env={**os.environ, "GENLIB_DATA_DIR": str(tmp_path / "data")},
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        out = cli("list", check=False)
        assert out.returncode == 3 and f"process {holder.pid}" in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1
    finally:
        holder.kill()
        holder.wait()


def test_search_pages_by_cursor_shows_matches_and_reindex_rebuilds(cli, tmp_path):
    for i in range(3):
        cli.fake.enqueue(text=f"answer {i}")
        cli("generate", f"cursorword prompt {i}", "-m", "gpt-4o-mini")
    first = cli("search", "cursorword", "--limit", "2")
    assert "3 matches" in first.stderr and "[cursorword] prompt 2" in first.stdout
    after = first.stderr.split("--after ")[1].split()[0]
    second = cli("search", "cursorword", "--limit", "2", "--after", after)
    assert "cursorword] prompt 0" in second.stdout and "prompt 1" not in second.stdout
    bad = cli("search", "x", "--after", "garbage", check=False)
    assert bad.returncode == 1 and "not a page position" in bad.stderr and "Traceback" not in bad.stderr
    for path in (tmp_path / "data").glob("search.sqlite*"):
        path.unlink()
    out = cli("reindex")
    assert "indexed 3 generations" in out.stdout and "100%" in out.stderr
    assert "3 matches" in cli("search", "cursorword").stderr


def test_values_beginning_with_a_dash_are_values_not_options(tmp_path, monkeypatch):
    """Ids use nanoid's alphabet, which has "-": `genlib show -Gq…` must look the id up (argparse took
    it for an unknown option and exited 2); an excluded word or a prompt may begin with "-" too."""
    from genlib.cli import EXIT_NOT_FOUND, build_parser, main
    from genlib.cliargs import dash_positionals

    monkeypatch.setenv("GENLIB_DATA_DIR", str(tmp_path / "data"))
    assert main(["show", "-" + "A" * 20]) == EXIT_NOT_FOUND  # parsed as an id: not found, no usage error
    assert main(["show", "--json", "-" + "A" * 20]) == EXIT_NOT_FOUND
    parser = build_parser()
    search = parser.parse_args(dash_positionals(parser, ["search", "-postgres", "--best"]))
    assert (search.q, search.best) == ("-postgres", True)
    prompt = parser.parse_args(dash_positionals(parser, ["generate", "-1 + 2?", "-m", "gpt-4o-mini"]))
    assert (prompt.prompt, prompt.model) == ("-1 + 2?", "gpt-4o-mini")


def test_generate_prints_the_url_to_open(cli):
    cli.fake.enqueue(text="Hi.")
    out = cli("generate", "Say hi.", "-m", "gpt-4o-mini")
    gen_id = out.stderr.split("id: ")[1].split()[0]
    assert f"open: http://localhost:8501/generate?id={gen_id}" in out.stderr.splitlines()
    cli.fake.enqueue(text="Hi again.")
    out = cli("generate", "Say hi again.", "-m", "gpt-4o-mini", GENLIB_PUBLIC_URL="https://vault.example.org/team/")
    gen_id = out.stderr.split("id: ")[1].split()[0]
    assert f"open: https://vault.example.org/team/generate?id={gen_id}" in out.stderr.splitlines()


def test_costs_counts_are_whole_numbers_with_singular_and_plural(cli):
    cli.fake.enqueue(text="Same answer.")  # the second request is a dedup hit: no call
    cli("generate", "Same question?", "-m", "gpt-4o-mini")
    cli("generate", "Same question?", "-m", "gpt-4o-mini")
    out = cli("costs").stdout
    assert "over 2 generations, " in out and " in 1 cache hit; " in out and "0 unpriced" in out
    assert ".0 generation" not in out and "  2 generations" in out  # the per-model line too


def test_show_json_into_a_closed_pipe_exits_quietly(cli):
    cli.fake.enqueue(text="word " * 40000)  # 200 kB: far more than a 64 kB pipe buffer, so the writer meets the closed pipe
    gen_id = cli("generate", "A long answer, please.", "-m", "gpt-4o-mini").stderr.split("id: ")[1].split()[0]
    env = {**os.environ, "GENLIB_DATA_DIR": cli.data_dir}
    proc = subprocess.Popen([sys.executable, "-m", "genlib", "show", gen_id, "--json"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()  # `| head -1`: read one line, then go away
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr


def test_offline_a_model_the_demo_lacks_is_named_once_on_stderr(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "GENLIB_"))}
    env.update(GENLIB_DATA_DIR=str(tmp_path / "data"), GENLIB_OFFLINE_TPS="5000")
    out = subprocess.run([sys.executable, "-m", "genlib", "generate", "Hello?", "-m", "gpt-4o-mini"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    notes = [line for line in out.stderr.splitlines() if "offline mode" in line]
    assert notes == ["genlib: offline mode (no OPENAI_API_KEY or OPENAI_BASE_URL set): 'gpt-4o-mini' is not "
                     "called; the offline demo model answers instead (not a real model, $0)."]
    assert "Offline demo answer" in out.stdout
    out = subprocess.run([sys.executable, "-m", "genlib", "generate", "Hello?", "-m", "offline-demo"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=60)
    assert "offline mode" not in out.stderr  # the demo's own model: nothing to say
