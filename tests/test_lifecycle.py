"""A generation's life: saved before the call, readable while streaming, every ending recorded."""
from __future__ import annotations

import os
import threading
import time

import pytest

from genlib import BadRequest, GenerationRequest, StorageUnavailable
from tests.vaults import make_vault



def ask(prompt: str, model: str = "gpt-4o-mini", **params) -> GenerationRequest:
    return GenerationRequest(prompt=prompt, model=model, params=params)


def test_id_is_a_nanoid_and_pending_row_is_committed_before_the_request_arrives(vault, fake):
    seen = {}

    def on_request(entry):
        [live] = vault.registry.all()
        saved = vault.store.get(live.record.id)  # a database read, not memory
        seen["rows"] = [(saved.id, saved.status)] if saved else []

    fake.on_request = on_request
    gen_id = vault.start(ask("before-the-call please"), user_id="ana")
    final = vault.wait(gen_id, timeout=10)
    assert len(gen_id) == 21
    assert seen["rows"] == [(gen_id, "pending")]
    assert final.status == "complete" and final.user_id == "ana"


def test_text_so_far_is_readable_from_another_thread_and_saved_while_streaming(vault, fake):
    fake.enqueue(text=" ".join(f"w{i}" for i in range(40)), chunks=40, delay=0.05)
    gen_id = vault.start(ask("stream slowly"), user_id="ana")
    observed = []

    def reader():
        for _ in range(200):
            gen = vault.get(gen_id)
            observed.append((gen.status, gen.result_text))
            if len(gen.result_text) > 20:
                return
            time.sleep(0.02)

    t = threading.Thread(target=reader)
    t.start()
    t.join(10)
    time.sleep(0.2)  # > flush interval: the database has caught up
    saved = vault.store.get(gen_id)
    assert observed[-1][0] == "streaming" and len(observed[-1][1]) > 20
    assert saved.status == "streaming" and saved.result_text and "w0" in saved.result_text
    final = vault.wait(gen_id, timeout=10)
    assert final.result_text.startswith(saved.result_text)
    assert final.result_text == " ".join(f"w{i}" for i in range(40))


def test_complete_records_usage_cost_timings_and_provider_model(vault, fake):
    fake.enqueue(text="Hello there", model_used="gpt-4o-mini-2024-07-18",
                 usage={"prompt_tokens": 100, "completion_tokens": 20, "cached_tokens": 40})
    final = vault.wait(vault.start(ask("hello"), user_id="ana"), timeout=10)
    assert final.model_used == "gpt-4o-mini-2024-07-18" and final.provider.startswith("127.0.0.1:")
    assert (final.input_tokens, final.cache_read_tokens, final.output_tokens) == (60, 40, 20)
    assert final.cost_usd is not None and final.cost_usd > 0 and final.price_source
    assert final.ttft_ms is not None and final.duration_ms >= final.ttft_ms
    assert final.response_id and final.usage_json


def test_follow_yields_every_piece_in_order(vault, fake):
    fake.enqueue(text="a b c d e f", chunks=6, delay=0.02)
    gen_id = vault.start(ask("follow me"), user_id="ana")
    assert "".join(vault.follow(gen_id)) == "a b c d e f"


def test_cancel_closes_the_stream_and_keeps_the_partial(vault, fake):
    fake.enqueue(text=" ".join(["tok"] * 200), chunks=200, delay=0.05)
    gen_id = vault.start(ask("long answer"), user_id="ana")
    while len(vault.get(gen_id).result_text) < 12:
        time.sleep(0.02)
    assert vault.cancel(gen_id)
    final = vault.wait(gen_id, timeout=5)
    assert final.status == "cancelled"
    assert final.result_text.startswith("tok tok") and len(final.result_text) < 200 * 4
    assert final.output_tokens and final.usage_estimated  # billed tokens estimated, never $0 silently
    assert not vault.cancel(gen_id)


@pytest.mark.parametrize("behaviour, phrase", [
    ({"status": 500}, "500"),
    ({"status": 429}, "429"),
    ({"status": 401}, "401"),
    ({"status": 404}, "not found"),
])
def test_provider_errors_end_as_error_with_a_readable_message(vault, fake, behaviour, phrase):
    fake.enqueue(**behaviour)
    final = vault.wait(vault.start(ask(f"fails {phrase}"), user_id="ana"), timeout=10)
    assert final.status == "error" and phrase.lower() in final.error.lower()
    assert "test-key" not in final.error


@pytest.mark.parametrize("behaviour", [{"drop_after": 3}, {"sse_error_after": 3}])
def test_a_stream_failing_mid_way_keeps_the_partial(vault, fake, behaviour):
    fake.enqueue(text="one two three four five six", chunks=6, **behaviour)
    final = vault.wait(vault.start(ask("breaks mid-way"), user_id="ana"), timeout=10)
    assert final.status == "error" and final.error
    full = "one two three four five six"
    assert final.result_text and full.startswith(final.result_text) and final.result_text != full


def test_a_stream_without_usage_gets_an_estimate_flagged_as_such(vault, fake):
    fake.enqueue(text="no usage here", usage=False)
    final = vault.wait(vault.start(ask("no usage please"), user_id="ana"), timeout=10)
    assert final.status == "complete" and final.usage_estimated
    assert final.output_tokens > 0 and final.cost_usd is not None and final.cost_usd > 0


def test_unknown_model_is_unpriced_not_free(vault, fake):
    final = vault.wait(vault.start(ask("local model", model="fake-model"), user_id="ana"), timeout=10)
    assert final.status == "complete" and final.output_tokens > 0
    assert final.cost_usd is None and final.price_source is None


@pytest.mark.parametrize("prompt", ["", "   \n\t "])
def test_empty_prompt_is_refused_and_stores_nothing(vault, fake, prompt):
    with pytest.raises(BadRequest, match="empty"):
        vault.start(ask(prompt), user_id="ana")
    assert vault.search().items == [] and fake.calls("chat") == 0


def test_odd_text_is_stored_intact_or_refused_clearly(vault, fake):
    odd = "nul\x00byte · עברית right-to-left · emoji 🧪👩‍🔬 · " + "x" * 1_000_000
    odd = odd[:1_000_000]
    final = vault.wait(vault.start(ask(odd), user_id="ana"), timeout=20)
    assert vault.store.get(final.id).prompt == odd
    with pytest.raises(BadRequest, match="surrogate"):
        vault.start(ask("lone \ud800 surrogate"), user_id="ana")
    with pytest.raises(BadRequest, match="limit"):
        vault.start(ask("y" * 1_000_001), user_id="ana")


@pytest.mark.parametrize("bad_id", ["", "x", "'; DROP TABLE generations; --", "../../etc/passwd",
                                    "a" * 10_000, "A" * 20 + "/", None, 42])
def test_malformed_ids_are_simply_not_found(vault, bad_id):
    assert vault.get(bad_id) is None
    assert not vault.cancel(bad_id) if isinstance(bad_id, str) else True


def test_unwritable_data_dir_refuses_before_the_provider_is_called(tmp_path, fake):
    v = make_vault(tmp_path / "data", fake)
    try:
        (tmp_path / "data").chmod(0o500)
        if os.geteuid() == 0:  # root ignores permission bits: simulate with a file where the dir was
            pytest.skip("root can write anywhere; covered by test_data_dir_that_is_a_file")
        with pytest.raises(StorageUnavailable):
            v.start(ask("never paid"), user_id="ana")
        assert fake.calls("chat") == 0
    finally:
        (tmp_path / "data").chmod(0o700)
        v.close()


def test_data_dir_that_cannot_be_written_refuses_before_the_call(tmp_path, fake, monkeypatch):
    v = make_vault(tmp_path / "data", fake)
    try:
        blocked = tmp_path / "data" / "blocked"
        blocked.write_text("a file, not a directory")
        monkeypatch.setattr(v, "data_dir", blocked)  # every write under it fails with ENOTDIR
        with pytest.raises(StorageUnavailable, match="nothing was sent"):
            v.start(ask("never paid"), user_id="ana")
        assert fake.calls("chat") == 0 and v.search().items == []
    finally:
        v.close()


def test_user_id_is_required_and_recorded(vault):
    with pytest.raises(BadRequest):
        vault.start(ask("who am i"), user_id="  ")
    gen_id = vault.start(ask("who am i"), user_id="bob@example.com")
    assert vault.wait(gen_id, timeout=10).user_id == "bob@example.com"
    assert vault.get(gen_id, user_id="ana") is None
