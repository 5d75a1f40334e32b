"""API keys come only from the environment or secrets.toml and never reach the database, the data
dir, the logs, an error stored with a generation, or an export, even when a provider echoes them."""
from __future__ import annotations

import logging

import pytest

from genlib import GenerationRequest
from genlib.cli import main as cli_main
from tests.reliability.secretscan import assert_nowhere
from tests.reliability.stclient import StreamlitClient, submit_button, text_area
from tests.vaults import make_vault

KEY = "sk-live-RELIABILITY-5f3a9c1e7b2d4a60"
ECHOES = {  # prompt: how the provider echoes the key back
    "echo 401": dict(status=401, message=f"Incorrect API key provided: {KEY}."),
    "echo 400": dict(status=400, message=f"Bad header Authorization: Bearer {KEY}"),
    "echo mid-stream": dict(text="a b c d", sse_error_after=2, message=f"key {KEY} revoked"),
    "echo in answer": dict(text="fine"),
}


def generate_everything(vault) -> None:
    for prompt in ECHOES:
        vault.wait(vault.start(GenerationRequest(prompt, "gpt-4o-mini"), "ana"), timeout=10)


def test_a_key_from_the_environment_is_stored_nowhere(recording_fake, tmp_path, monkeypatch, caplog, capsys):
    for prompt, behaviour in ECHOES.items():
        recording_fake.script(prompt, **behaviour)
    caplog.set_level(logging.DEBUG)
    vault = make_vault(tmp_path / "data", recording_fake, api_key=KEY)
    try:
        generate_everything(vault)
        assert KEY not in repr(vault.settings) and KEY not in repr(vault.provider.client)
        errors = [g.error for g in vault.search().items if g.error]
        assert len(errors) == 3 and all("[redacted]" in e or "401" in e for e in errors)
    finally:
        vault.close()
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", recording_fake.base_url)
    assert cli_main(["generate", "echo 401"]) == 1  # the CLI prints the stored, scrubbed error
    out = capsys.readouterr()
    assert set(recording_fake.auth_headers) == {f"Bearer {KEY}"}  # it was really used
    vault = make_vault(tmp_path / "data")
    try:
        logs = caplog.text + out.out + out.err
        assert_nowhere(vault, tmp_path, KEY, logs)
    finally:
        vault.close()


@pytest.mark.parametrize("where", ["secrets.toml"])
def test_a_key_from_secrets_toml_is_used_and_stored_nowhere(where, app_server, recording_fake, tmp_path):
    for prompt, behaviour in ECHOES.items():
        recording_fake.script(prompt, **behaviour)
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(f'OPENAI_API_KEY = "{KEY}"\nOPENAI_BASE_URL = "{recording_fake.base_url}"\n')
    app = app_server({}, secrets_file=secrets_file)  # nothing about the provider in the environment
    shown = []
    with StreamlitClient(app.url) as client:
        for prompt in ECHOES:
            form = client.open("generate")
            done = client.rerun([text_area(form, "Prompt", prompt), submit_button(form, "Generate")])
            while client.polling:
                done = client.poll()
            shown.append(client.open("generate", done.query_string).text())
    app.stop()
    assert set(recording_fake.auth_headers) == {f"Bearer {KEY}"}
    assert all(KEY not in page for page in shown) and any("[redacted]" in page for page in shown)
    vault = make_vault(tmp_path / "data")
    try:
        assert len(vault.search().items) == len(ECHOES)
        assert_nowhere(vault, tmp_path, KEY, app.log_text())
    finally:
        vault.close()
