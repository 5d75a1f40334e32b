"""The offline demo model, through the real openai SDK over its in-process httpx2 transport."""
from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import httpx2
import openai
import pytest
from PIL import Image

from genlib.config import OFFLINE_IMAGE_MODEL, OFFLINE_MODEL, Settings
from genlib.providers.offline import OFFLINE_BASE_URL, OfflineTransport, parse_size
from genlib.providers.offline_content import compose_answer, split_tokens
from genlib.providers.client import make_provider

ASK = [{"role": "user", "content": "Why does bread rise in the oven?"}]


def offline(tokens_per_s: float = 5000.0):
    return make_provider(Settings(data_dir=Path("unused"), offline_tokens_per_s=tokens_per_s))


def sdk_client(tokens_per_s: float = 5000.0) -> openai.OpenAI:
    settings = Settings(data_dir=Path("unused"), offline_tokens_per_s=tokens_per_s)
    return openai.OpenAI(api_key="offline", base_url=OFFLINE_BASE_URL,
                         http_client=httpx2.Client(transport=OfflineTransport(settings)))


def test_offline_provider_lists_only_the_demo_models():
    provider = offline()
    assert provider.offline and provider.host == "offline"
    assert provider.models() == [OFFLINE_MODEL, OFFLINE_IMAGE_MODEL]
    assert [m.id for m in sdk_client().models.list().data] == [OFFLINE_MODEL, OFFLINE_IMAGE_MODEL]


def test_stream_says_it_is_the_demo_and_its_usage_matches_the_text():
    with offline().open_text_stream("whatever-model", ASK, {"temperature": 1}) as stream:
        events = list(stream)
    text = "".join(e.text for e in events)
    assert "offline demo" in text and "OPENAI_API_KEY" in text and "OPENAI_BASE_URL" in text
    assert "bread" in text and text == compose_answer(ASK)
    usage = events[-1].usage
    assert usage["completion_tokens"] == sum(1 for e in events if e.text) == len(split_tokens(text))
    assert usage["prompt_tokens"] >= 8 and usage["prompt_tokens_details"]["cached_tokens"] == 0
    assert {e.model for e in events} == {OFFLINE_MODEL} and events[0].response_id.startswith("chatcmpl-")


def test_answers_are_deterministic_per_prompt():
    other = [{"role": "user", "content": "List some names for a lighthouse keeper's cat"}]
    assert compose_answer(ASK) == compose_answer(list(ASK)) != compose_answer(other)


def test_split_tokens_round_trips_any_text():
    for text in ("", "a", "  spaced  out\n\nlines ", "naïve café 12345 — ok?", "```python\nx = 1\n```"):
        assert "".join(split_tokens(text)) == text


def test_stream_is_paced_at_the_configured_rate():
    provider = offline(tokens_per_s=600)
    started = time.monotonic()
    with provider.open_text_stream(OFFLINE_MODEL, ASK, {}) as stream:
        tokens = sum(1 for e in stream if e.text)
    elapsed, expected = time.monotonic() - started, tokens / 600
    assert tokens > 100 and 0.5 * expected <= elapsed <= 3 * expected + 1.0


def test_close_from_another_thread_stops_a_slow_offline_stream():
    stream = offline(tokens_per_s=2).open_text_stream(OFFLINE_MODEL, ASK, {})
    threading.Timer(0.3, stream.close).start()
    started = time.monotonic()
    events = list(stream)
    assert time.monotonic() - started < 2.0 and stream.cancelled
    assert len([e for e in events if e.text]) <= 2 and all(e.usage is None for e in events)


def test_non_streaming_chat_also_works():
    completion = sdk_client().chat.completions.create(model=OFFLINE_MODEL, messages=ASK)
    assert completion.choices[0].message.content == compose_answer(ASK)
    assert completion.usage.completion_tokens == len(split_tokens(compose_answer(ASK)))


@pytest.mark.parametrize("size, expected", [("512x512", (512, 512)), ("256x384", (256, 384))])
def test_offline_image_is_a_real_png_of_the_requested_size(size, expected):
    result = offline().generate_images(OFFLINE_IMAGE_MODEL, "a lighthouse at dusk", {"size": size, "n": 2})
    assert len(result.images) == 2 and result.images[0] != result.images[1]
    for data in result.images:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            assert image.format == "PNG" and image.size == expected
            assert len(set(image.getdata())) > 50  # a picture, not a blank square
    assert result.usage["input_tokens_details"]["text_tokens"] > 0 and result.usage["output_tokens"] > 0


def test_image_size_parsing_defaults_and_clamps():
    assert parse_size("auto") == parse_size(None) == (1024, 1024)
    assert parse_size("1536x1024") == (1536, 1024) and parse_size("1x99999") == (16, 2048)


def test_unknown_endpoints_are_openai_style_404s():
    with pytest.raises(openai.NotFoundError):
        sdk_client().embeddings.create(model=OFFLINE_MODEL, input="hi")


def test_max_tokens_cuts_the_answer_with_finish_reason_length():
    full = split_tokens(compose_answer(ASK))
    with offline().open_text_stream(OFFLINE_MODEL, ASK, {"max_tokens": 25}) as stream:
        events = list(stream)
    text = "".join(e.text for e in events)
    assert text == "".join(full[:25]) and len(full) > 25
    assert [e.finish_reason for e in events if e.finish_reason] == ["length"]
    assert events[-1].usage["completion_tokens"] == 25
    reply = sdk_client().chat.completions.create(model=OFFLINE_MODEL, messages=ASK, max_tokens=7)
    assert reply.choices[0].finish_reason == "length" and reply.usage.completion_tokens == 7
    roomy = sdk_client().chat.completions.create(model=OFFLINE_MODEL, messages=ASK, max_tokens=len(full) + 5)
    assert roomy.choices[0].finish_reason == "stop" and roomy.usage.completion_tokens == len(full)


def test_temperature_and_seed_choose_the_wording():
    def answer(**params):
        return sdk_client().chat.completions.create(model=OFFLINE_MODEL, messages=ASK, **params).choices[0].message.content

    same = answer(temperature=0.7, seed=42)
    assert same == answer(temperature=0.7, seed=42)  # same parameters, same answer
    assert "Sampled at temperature 0.7 with seed 42." in same
    others = {answer(temperature=0.7, seed=43), answer(temperature=1.5, seed=42), answer(temperature=0.2),
              answer(seed=42), answer()}
    assert len(others) == 5 and same not in others  # any other temperature or seed: another answer
    assert answer() == answer(temperature=1) == compose_answer(ASK)  # the defaults: the one default answer


def test_a_vault_generation_offline_records_length_and_the_token_cap(tmp_path):
    from genlib import GenerationRequest
    from tests.vaults import make_vault

    vault = make_vault(tmp_path / "data")
    try:
        gen_id = vault.start(GenerationRequest("Why does bread rise?", OFFLINE_MODEL, params={"max_tokens": 200}), "local")
        gen = vault.wait(gen_id, timeout=20)
        assert gen.status == "complete" and gen.finish_reason == "length"
        assert gen.buckets.output_tokens == 200 and not gen.usage_estimated
    finally:
        vault.close()
