"""Escape sequences in a model's answer never reach a terminal through `genlib generate/show/list/search`
(shown as visible escapes on a pseudo-terminal); through a pipe the text stays exact."""
from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakeprovider import FakeProvider

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = "hi\x1b[2J\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\x9b31m\u202eevil\u202c end\tok\nline two"
PROMPT = "title\x1b]0;prompt-title\x07 please"
RAW_BYTES = (b"\x1b", b"\x07", "\x9b".encode(), "\u202e".encode())


@pytest.fixture
def run(tmp_path):
    fake = FakeProvider().start()
    env = {**os.environ, "GENLIB_DATA_DIR": str(tmp_path / "data"), "OPENAI_BASE_URL": fake.base_url,
           "OPENAI_API_KEY": "sk-test", "GENLIB_USER": "tty-user"}

    def _run(*args, tty: bool) -> tuple[int, bytes]:
        """(exit code, stdout bytes) with stdout a pseudo-terminal or a pipe."""
        if not tty:
            out = subprocess.run([sys.executable, "-m", "genlib", *args], cwd=ROOT, env=env, capture_output=True,
                                 timeout=60)
            return out.returncode, out.stdout
        leader, follower = pty.openpty()
        proc = subprocess.Popen([sys.executable, "-m", "genlib", *args], cwd=ROOT, env=env, stdout=follower,
                                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed its end
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(leader)
        return proc.wait(timeout=60), b"".join(chunks)

    _run.fake = fake
    yield _run
    fake.stop()


def first_id(run) -> str:
    run.fake.enqueue(text=HOSTILE)
    code, out = run("generate", PROMPT, "-m", "gpt-4o-mini", tty=False)
    assert code == 0
    return run("list", tty=False)[1].split()[0].decode()


def test_a_terminal_sees_visible_escapes_not_control_sequences(run):
    gen_id = first_id(run)
    run.fake.enqueue(text=HOSTILE)
    outputs = {"generate": run("generate", PROMPT + " again", "-m", "gpt-4o-mini", "--force", tty=True)[1],
               "show": run("show", gen_id, tty=True)[1], "list": run("list", tty=True)[1],
               "search": run("search", "title", tty=True)[1]}
    for name, out in outputs.items():
        assert not any(raw in out for raw in RAW_BYTES), (name, out)
    for name in ("generate", "show"):
        text = outputs[name].decode()
        assert "hi\\x1b[2J\\x1b]0;pwned\\x07\\x1b]52;c;ZXZpbA==\\x07\\x9b31m\\u202eevil\\u202c end\tok" in text, name
    assert "\\x1b]0;prompt-title\\x07" in outputs["show"].decode()
    shown_json = run("show", gen_id, "--json", tty=True)[1].decode().replace("\r\n", "\n")
    assert json.loads(shown_json)["result_text"] == HOSTILE and "\\u009b" in shown_json


def test_a_pipe_gets_the_exact_text(run):
    gen_id = first_id(run)
    _, shown = run("show", gen_id, tty=False)
    assert HOSTILE.encode() in shown and PROMPT.encode() in shown
    run.fake.enqueue(text=HOSTILE)
    _, streamed = run("generate", "another", "-m", "gpt-4o-mini", tty=False)
    assert streamed.startswith(HOSTILE.encode())
