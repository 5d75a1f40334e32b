"""Odd provider answers, end to end (Vault -> real SDK -> loopback fake): usage is never dropped,
200s that aren't API answers say what they are, absurd usage never breaks a save, and a provider
dripping bytes is cut by the overall deadline (GENLIB_TIMEOUT_S)."""
from __future__ import annotations

import logging
import time

import pytest

from genlib import GenerationRequest
from tests.vaults import make_vault

KEY = "sk-answers-SECRET0123456789"
WEB_PAGE = "The endpoint answered with a web page, not an API response (check OPENAI_BASE_URL)."


@pytest.fixture
def keyed_vault(tmp_path, fake):
    """A vault whose key is long enough to be scrubbed from every message."""
    vault = make_vault(tmp_path / "data", fake, api_key=KEY)
    yield vault
    vault.close()


def run(vault, prompt: str = "hello", model: str = "gpt-4o-mini", kind: str = "text"):
    return vault.wait(vault.start(GenerationRequest(prompt, model, kind=kind), user_id="ana"), timeout=20)


def assert_plain(message: str) -> None:
    assert "connection dropped" not in message and " object at 0x" not in message
    assert "Error:" not in message and KEY not in message


# -- item 8: usage is stored and priced whenever the provider reported it ------------------------
def test_a_usage_only_stream_is_complete_with_its_usage_priced(vault, fake):
    fake.enqueue(usage_only=True, usage={"prompt_tokens": 120, "completion_tokens": 0})
    final = run(vault)
    assert final.status == "complete" and final.result_text == "" and final.error is None
    assert final.input_tokens == 120 and not final.usage_estimated
    assert final.cost_usd is not None and final.cost_usd > 0


def test_done_without_a_finish_reason_completes_with_the_reported_usage(vault, fake):
    fake.enqueue(text="the whole answer", finish_reason=None, usage={"prompt_tokens": 30, "completion_tokens": 4})
    final = run(vault)
    assert final.status == "complete" and final.result_text == "the whole answer"
    assert (final.input_tokens, final.output_tokens, final.usage_estimated) == (30, 4, False)


def test_a_cut_stream_keeps_the_usage_it_reported(vault, fake):
    fake.enqueue(text="nearly done", finish_reason=None, usage={"prompt_tokens": 30, "completion_tokens": 4},
                 done=False)
    final = run(vault)
    assert final.status == "error" and "connection dropped" in final.error
    assert (final.input_tokens, final.output_tokens, final.usage_estimated) == (30, 4, False)
    assert final.cost_usd is not None and final.cost_usd > 0


def test_image_bytes_that_are_no_picture_end_as_error_with_usage_priced(vault, fake):
    fake.enqueue(image_bytes=b"definitely not a png", usage={"input_tokens": 10, "output_tokens": 272})
    final = run(vault, "a fox", "gpt-image-1", kind="image")
    assert final.status == "error"
    assert final.error == "The provider returned image data that isn't a picture (20 bytes)."
    assert (final.input_tokens, final.image_tokens, final.usage_estimated) == (10, 272, False)
    assert final.cost_usd is not None and final.cost_usd > 0 and not final.images


# -- item 12: a 200 that is an error object or a web page ----------------------------------------
@pytest.mark.parametrize("kind, model", [("text", "gpt-4o-mini"), ("image", "gpt-image-1")])
def test_a_200_with_a_json_error_shows_the_providers_message(keyed_vault, fake, kind, model):
    fake.enqueue(ok_body={"error": {"message": f"Your credit balance is too low for {KEY}.", "type": "billing"}})
    final = run(keyed_vault, "hi", model, kind)
    assert final.status == "error"
    assert final.error == "The provider answered with an error: Your credit balance is too low for [redacted]."
    assert_plain(final.error)


@pytest.mark.parametrize("kind, model", [("text", "gpt-4o-mini"), ("image", "gpt-image-1")])
def test_a_200_with_a_web_page_says_the_endpoint_is_not_an_api(keyed_vault, fake, kind, model):
    fake.enqueue(html=True)
    final = run(keyed_vault, "hi", model, kind)
    assert final.status == "error" and final.error == WEB_PAGE
    assert_plain(final.error)


def test_a_200_with_a_json_answer_instead_of_a_stream_says_so(vault, fake):
    fake.enqueue(ok_body={"id": "chatcmpl-1", "object": "chat.completion", "choices": []})
    final = run(vault)
    assert final.status == "error"
    assert final.error == "The provider answered with a single JSON object, not a stream of events."


def test_a_200_with_a_bare_error_string_shows_it(vault, fake):
    fake.enqueue(ok_body={"error": "model is loading"})
    assert run(vault).error == "The provider answered with an error: model is loading."


# -- item 11: absurd usage is clamped, flagged, unpriced, and saves -----------------------------
@pytest.mark.parametrize("kind, model, usage", [
    ("text", "gpt-4o-mini", {"prompt_tokens": 10**19, "completion_tokens": 5}),
    ("text", "gpt-4o-mini", {"prompt_tokens": 7, "completion_tokens": 1e300}),
    ("image", "gpt-image-1", {"input_tokens": 3, "output_tokens": 10**25}),
])
def test_usage_out_of_range_is_clamped_flagged_unpriced_and_saved(vault, fake, caplog, kind, model, usage):
    fake.enqueue(usage=usage)
    with caplog.at_level(logging.WARNING):
        gen_id = vault.start(GenerationRequest("absurd usage", model, kind=kind), user_id="ana")
        final = vault.wait(gen_id, timeout=20)
        time.sleep(0.2)  # a few persister ticks: none may log a failure
    assert final.status == "complete" and final.error is None
    assert max(vars(final.buckets).values()) == 10**9 and final.usage_estimated
    assert final.cost_usd is None and "out of range" in final.price_source
    saved = vault.store.get(gen_id)  # read back from the database, not memory
    assert saved.status == "complete" and saved.usage_estimated and saved.cost_usd is None
    assert [g.status for g in vault.search().items if g.id == gen_id] == ["complete"]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text


def test_reprice_leaves_out_of_range_usage_unpriced(vault, fake):
    fake.enqueue(usage={"prompt_tokens": 10**19, "completion_tokens": 5})
    gen_id = run(vault).id
    report = vault.reprice(apply=True)
    assert report.changed == 0 and vault.get(gen_id).cost_usd is None


# -- item 16: GENLIB_TIMEOUT_S is an overall deadline, not a per-byte one -----------------------
def wait_for_hangup(fake, timeout: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    while fake.hangups == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    return fake.hangups


@pytest.fixture
def one_second_vault(tmp_path, fake):
    vault = make_vault(tmp_path / "data", fake, request_timeout_s=1.0)
    yield vault
    vault.close()


def test_a_byte_drip_before_the_first_token_is_cut_at_the_deadline(one_second_vault, fake):
    fake.enqueue(text="slow loris answer", drip_ms=20)
    final = run(one_second_vault)
    assert final.status == "error" and final.error.startswith("Timed out after 1 s waiting for the first token")
    assert final.result_text == "" and final.cost_usd is None
    assert wait_for_hangup(fake) == 1  # the fake saw its connection closed before it had sent it all


def test_a_drip_mid_stream_is_cut_and_the_partial_kept_with_an_estimate(one_second_vault, fake):
    fake.enqueue(text="alpha beta gamma delta", chunks=4, drip_after=2, drip_ms=20)
    final = run(one_second_vault)
    assert final.status == "error" and final.error.startswith("Timed out after 1 s waiting for the next chunk")
    assert final.result_text == "alpha beta" and final.usage_estimated and final.output_tokens > 0
    assert wait_for_hangup(fake) == 1
