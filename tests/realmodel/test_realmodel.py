"""GenVault against llama.cpp's real server: stream, stop, dedup, max_tokens, turns, prices.

What the real server does that a hosted provider doesn't (no usage chunk even when asked; "length"
or "stop" as finish_reason) is mirrored in the fake (tests/fakeprovider_llamacpp.py), so the fast
suite covers it too (tests/test_llamacpp_parity.py).
"""
from __future__ import annotations

from decimal import Decimal

from genlib import GenerationRequest
from scripts.localmodel import MODEL_ALIAS

PRICES = f"""[models."{MODEL_ALIAS}"]
input_per_mtok = 0.10
output_per_mtok = 0.40
"""
# At temperature 0 Gemma 3 270M answers this at length (300 tokens and on, measured): a stream to stop.
LONG = "Write a long story about a lighthouse keeper and a database."


def ask(vault, prompt: str, **params) -> str:
    return vault.start(GenerationRequest(prompt, MODEL_ALIAS, params={"temperature": 0, **params}), user_id="ana")


def test_streams_and_completes_with_estimated_unpriced_tokens(local_vault, llama_server):
    vault = local_vault()
    assert MODEL_ALIAS in vault.models()  # discovered from the server's /v1/models
    gen_id = ask(vault, "Name three colours.", max_tokens=24)
    pieces = list(vault.follow(gen_id))
    gen = vault.wait(gen_id, timeout=120)
    assert gen.status == "complete" and gen.result_text.strip(), gen.error
    assert len(pieces) > 1 and "".join(pieces) == gen.result_text  # streamed, not delivered at once
    assert gen.finish_reason in ("stop", "length") and gen.model_used
    assert gen.usage_estimated and gen.input_tokens > 0 and gen.output_tokens > 0
    assert gen.cost_usd is None  # unpriced, never $0
    assert gen.first_token_utc is not None and gen.ttft_ms > 0


def test_max_tokens_is_honoured_and_length_is_stored(local_vault):
    vault = local_vault()
    gen = vault.wait(ask(vault, LONG, max_tokens=6), timeout=120)
    assert gen.status == "complete" and gen.finish_reason == "length", (gen.finish_reason, gen.result_text)
    assert gen.result_text.strip()


def test_stop_mid_stream_keeps_the_partial_and_the_server_stops_generating(local_vault, llama_server):
    vault = local_vault()
    disconnects, completions = llama_server.disconnects(), llama_server.completions()
    gen_id = ask(vault, LONG, max_tokens=300)  # 300 tokens: 8-80 s of generation on this machine
    for _ in vault.follow(gen_id):
        break  # the first text has arrived: stop now
    assert vault.cancel(gen_id)
    gen = vault.wait(gen_id, timeout=60)
    assert gen.status == "cancelled" and gen.result_text and gen.usage_estimated
    # The server saw the client go and stopped pulling tokens: its log says so, its CPU goes idle, and
    # it never printed the timings (token count) llama.cpp prints when a completion runs to its end.
    assert llama_server.wait_idle(timeout=30), "the server kept generating after Stop"
    assert llama_server.disconnects() == disconnects + 1, llama_server.log_text()[-2000:]
    assert llama_server.completions() == completions, llama_server.log_text()[-2000:]


def test_identical_request_within_the_ttl_makes_no_second_server_call(local_vault, llama_server):
    vault = local_vault()
    first = vault.wait(ask(vault, "Say hello to DuckDB.", max_tokens=12), timeout=120)
    calls = llama_server.chat_requests()
    second = vault.wait(ask(vault, "Say hello to DuckDB.", max_tokens=12), timeout=120)
    assert llama_server.chat_requests() == calls
    assert second.cached_from == first.id and second.result_text == first.result_text
    assert second.cost_usd == 0 and second.status == "complete"


def test_a_conversation_continued_over_three_turns(local_vault, llama_server):
    vault = local_vault()
    gen = vault.wait(ask(vault, "My name is Ada. Reply with one short sentence.", max_tokens=20), timeout=120)
    for prompt in ("What is my name?", "Say it once more."):
        calls = llama_server.chat_requests()
        gen = vault.wait(vault.start(vault.continue_request(gen, prompt), user_id="ana"), timeout=120)
        assert gen.status == "complete" and llama_server.chat_requests() == calls + 1
    sent = gen.messages
    assert [m["role"] for m in sent] == ["user", "assistant", "user", "assistant", "user"]
    assert sent[0]["content"].startswith("My name is Ada") and sent[-1]["content"] == "Say it once more."
    assert gen.input_tokens > 20  # the whole thread was sent (estimated from the messages)


def test_a_price_in_the_prices_file_gives_a_real_estimated_cost(local_vault, tmp_path):
    prices = tmp_path / "prices.toml"
    prices.write_text(PRICES)
    vault = local_vault(prices_file=prices)
    gen = vault.wait(ask(vault, "Name one planet.", max_tokens=10), timeout=120)
    expected = (gen.input_tokens * Decimal("0.10") + gen.output_tokens * Decimal("0.40")) / 10**6
    assert gen.usage_estimated and gen.cost_usd == expected > 0
    assert MODEL_ALIAS in (gen.price_source or "") or "prices" in (gen.price_source or "")
