"""The fake provider streaming like llama.cpp's server: no usage chunk, finish_reason length/stop.

The same cases run against the real server in tests/realmodel/; these keep them in the fast suite.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from genlib import GenerationRequest
from tests.fakeprovider import FakeProvider
from tests.vaults import make_vault

LOCAL_MODEL = "gemma-3-270m"
LOCAL_PRICE = """[models."gemma-3-270m"]
input_per_mtok = 0.10
output_per_mtok = 0.40
"""


@pytest.fixture
def llama_fake():
    with FakeProvider(models=[LOCAL_MODEL], like_llama_cpp=True) as fake:
        yield fake


def generate(vault, prompt: str = "Say hello", **params):
    gen_id = vault.start(GenerationRequest(prompt, LOCAL_MODEL, params=params), user_id="ana")
    vault.wait(gen_id, timeout=10)
    return vault.get(gen_id)


def test_no_usage_chunk_even_when_asked_so_tokens_are_estimated_and_unpriced(tmp_path, llama_fake):
    llama_fake.enqueue(text="Hello there, analyst.")
    vault = make_vault(tmp_path / "data", llama_fake)
    try:
        gen = generate(vault)
    finally:
        vault.close()
    sent = llama_fake.requests[-1]["json"]
    assert sent["stream"] and sent["stream_options"] == {"include_usage": True}
    assert gen.status == "complete" and gen.result_text == "Hello there, analyst."
    assert gen.finish_reason == "stop"
    assert gen.usage_estimated and gen.output_tokens > 0 and gen.input_tokens > 0
    assert gen.cost_usd is None  # unpriced, never $0


def test_max_tokens_ends_on_length_and_is_stored(tmp_path, llama_fake):
    llama_fake.enqueue(tokens=40)
    vault = make_vault(tmp_path / "data", llama_fake)
    try:
        gen = generate(vault, max_tokens=5)
    finally:
        vault.close()
    assert llama_fake.requests[-1]["json"]["max_tokens"] == 5
    assert gen.status == "complete" and gen.finish_reason == "length"
    assert gen.result_text == "".join(f" tok{i}" for i in range(5))


def test_a_price_in_the_prices_file_gives_an_estimated_real_cost(tmp_path, llama_fake):
    prices = tmp_path / "prices.toml"
    prices.write_text(LOCAL_PRICE)
    llama_fake.enqueue(tokens=30)
    vault = make_vault(tmp_path / "data", llama_fake, prices_file=prices)
    try:
        gen = generate(vault)
    finally:
        vault.close()
    expected = (Decimal(gen.input_tokens) * Decimal("0.10") + Decimal(gen.output_tokens) * Decimal("0.40")) / 10**6
    assert gen.usage_estimated and gen.cost_usd == expected and gen.cost_usd > 0
