"""Bad input through `python -m genlib`: one clear line on stderr, a non-zero status, no traceback.

Most cases call `genlib.cli.main` in-process (undecodable command-line bytes reach Python as lone
surrogates, which is what is passed here); two run the real command: a 1 MB prompt on stdin (a
command line can't hold it) and raw invalid UTF-8 bytes in argv.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from genlib import Filters
from genlib.cli import main
from tests.reliability.badinput import JUNK_IDS, MEGA_PROMPT, snapshot
from tests.vaults import make_vault

ROOT = Path(__file__).resolve().parents[2]
CASES = [  # (argv, exit status, words on stderr)
    (["generate", ""], 1, "empty"),
    (["generate", " \t\n "], 1, "empty"),
    (["generate", "bad \udcff bytes"], 1, "invalid Unicode"),
    (["generate", "hello", "-m", "gpt\udcff"], 1, "invalid Unicode"),
    (["generate", "hello", "--temperature", "9"], 1, "between"),
    (["generate", "hello", "--image", "--size", "../../etc/passwd"], 1, "must be one of"),
    (["search", "\udcff"], 0, ""),
    (["list", "--page", "-5", "--limit", "1000000000"], 0, ""),
    (["list", "--from", "2026-12-31", "--to", "2026-01-01"], 0, "inverted"),
    (["list", "--from", "not-a-date"], 0, "not a date"),
    (["list", "--status", "bogus", "--kind", "<script>"], 0, "Unknown status"),
    (["costs", "--from", "2026-12-31", "--to", "2026-01-01", "--user", "'; DROP TABLE generations; --"], 0, ""),
] + [(["show", bad], 4, "not found") for bad in JUNK_IDS if "\x00" not in bad]


@pytest.fixture
def cli_env(monkeypatch, fake):
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-cli-reliability-0001")
    monkeypatch.setenv("GENLIB_USER", "cli-user")


def rows(tmp_path) -> dict:
    vault = make_vault(tmp_path / "data")
    try:
        return snapshot(vault)
    finally:
        vault.close()


def test_every_bad_command_gets_one_clear_line(cli_env, fake, tmp_path, capsys):
    assert main(["generate", "a first, good generation"]) == 0
    before, calls = rows(tmp_path), fake.calls("chat")
    capsys.readouterr()
    for argv, status, words in CASES:
        assert main(argv) == status, argv
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err, (argv, err)
        if status:
            assert err.startswith("genlib: ") and len(err.strip().splitlines()) == 1, (argv, err)
    assert fake.calls("chat") == calls and rows(tmp_path) == before


def test_a_1mb_prompt_on_stdin_and_raw_invalid_bytes_in_argv(cli_env, tmp_path):
    env = dict(os.environ)
    run = dict(cwd=ROOT, env=env, capture_output=True, timeout=120)
    out = subprocess.run([sys.executable, "-m", "genlib", "generate", "-"], input=MEGA_PROMPT.encode(), **run)
    assert out.returncode == 0, out.stderr[-2000:]
    bad = subprocess.run([sys.executable.encode(), b"-m", b"genlib", b"generate", b"caf\xe9 latin-1"], **run)
    assert bad.returncode == 1 and b"invalid Unicode" in bad.stderr and b"Traceback" not in bad.stderr
    bad = subprocess.run([sys.executable, "-m", "genlib", "generate", "-"], input=b"\xff\xfe junk", **run)
    assert bad.returncode == 1 and b"invalid Unicode" in bad.stderr and b"Traceback" not in bad.stderr
    vault = make_vault(tmp_path / "data")
    try:
        [gen] = vault.search(Filters()).items
        assert gen.prompt == MEGA_PROMPT and gen.status == "complete" and gen.user_id == "cli-user"
    finally:
        vault.close()
