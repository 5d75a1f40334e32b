"""Kill the real app (`streamlit run app.py`) mid-stream: SIGKILL loses at most ~0.5 s, SIGTERM nothing.

Generations are submitted through the Generate form by a headless websocket client (as a browser
tab would), so the app's own Vault, worker threads and persister are the ones killed.
"""
from __future__ import annotations

import random
import time

import pytest

from tests.reliability.crashcheck import check_database_opens_clean, check_recovered, script_streams, words
from tests.reliability.recording import missing_seconds
from tests.reliability.stclient import StreamlitClient, submit_button, text_area
from tests.vaults import make_vault


def submit(client: StreamlitClient, prompt: str) -> str:
    form = client.open("generate")
    done = client.rerun([text_area(form, "Prompt", prompt), submit_button(form, "Generate")])
    assert done.query_string.startswith("id="), done.text()
    return done.query_string[3:]


def env_for(fake) -> dict:
    return {"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": "test-key", "GENLIB_FLUSH_MS": "200"}


def kill_round(app_server, fake, tmp_path, seed: int, n: int = 20):
    data = tmp_path / f"data-{seed}"
    prompts = [f"appcrash{seed}-{i:02d}" for i in range(n)]
    script_streams(fake, prompts, seed)
    for i, prompt in enumerate(prompts):  # longer streams: submitting 20 takes a few seconds
        if i % 10 > 1:
            fake.scripts[prompt].update(delay=fake.scripts[prompt]["delay"] * 2)
    app = app_server(env_for(fake), data_dir=data)
    with StreamlitClient(app.url) as client:
        started = {prompt: submit(client, prompt) for prompt in prompts}
        time.sleep(random.Random(seed).uniform(0.2, 2.0))
        moment = app.kill()
    again = app_server(env_for(fake), data_dir=data)  # restart on the same data dir
    with StreamlitClient(again.url) as client:
        for prompt, gen_id in started.items():
            page = client.open("generate", f"id={gen_id}")
            assert not page.exceptions and prompt in page.text()
            assert "interrupted" in page.text() or "complete" in page.text()
    again.stop()
    assert "Traceback" not in again.log_text()
    vault = make_vault(data, fake)
    try:
        check_database_opens_clean(vault)
        return check_recovered(vault, fake, started, moment, f"appcrash{seed}-")
    finally:
        vault.close()


def test_sigkill_the_app_during_20_streams_then_restart(app_server, recording_fake, tmp_path):
    recovery = kill_round(app_server, recording_fake, tmp_path, seed=7)
    assert recovery.rows == 20 and recovery.statuses["interrupted"] >= 2


@pytest.mark.soak
@pytest.mark.timeout(900)
def test_sigkill_the_app_repeatedly_soak(app_server, recording_fake, tmp_path):
    worst = max(kill_round(app_server, recording_fake, tmp_path, seed).worst_loss_s for seed in range(20, 25))
    print(f"\nworst loss over the app soak: {worst:.3f} s")


def test_sigterm_stops_within_seconds_and_saves_what_arrived(app_server, recording_fake, tmp_path):
    prompts = [f"sigterm-{i}" for i in range(3)]
    for i, prompt in enumerate(prompts):
        recording_fake.script(prompt, text=words(f"t{i}", 400), chunks=400, delay=0.02)
    app = app_server(env_for(recording_fake))
    with StreamlitClient(app.url) as client:
        started = {prompt: submit(client, prompt) for prompt in prompts}
        time.sleep(1.5)
        moment, took = app.terminate(timeout=30)
    assert took < 5.0, f"SIGTERM took {took:.1f} s"
    assert "Traceback" not in app.log_text()  # a clean stop is not an error
    vault = make_vault(tmp_path / "data", recording_fake)
    try:
        for prompt, gen_id in started.items():
            gen = vault.get(gen_id)
            assert gen.status == "interrupted" and gen.error
            assert recording_fake.sent(prompt).startswith(gen.result_text) and gen.result_text
            before = recording_fake.sent_before(prompt, moment)
            assert missing_seconds(before, gen.result_text, moment) <= 0.1  # all that had arrived
            assert gen.usage_estimated and gen.cost_usd
    finally:
        vault.close()
