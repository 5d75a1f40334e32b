"""pricing.py: exact costs from genai-prices' snapshot and the TOML prices file; unpriced is None.

Expected dollars are computed here from per-million rates read off genai-prices 0.2.3's bundled
data (data.py), not by calling genai-prices, so a double count or a dropped bucket shows.
"""
from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from decimal import Decimal as D

import pytest

from genlib.pricing.prices import Price, Pricer
from genlib.records import TokenBuckets as TB
from genlib.pricing.usage import chat_buckets, image_buckets

OPENAI = "api.openai.com"
MTOK = D(1_000_000)
# (input, cache read, output) $/MTok in the genai-prices 0.2.3 snapshot
RATES = {
    "gpt-4o": (D("2.5"), D("1.25"), D("10")),
    "gpt-4o-mini": (D("0.15"), D("0.075"), D("0.6")),
    "o3-mini": (D("1.1"), D("0.55"), D("4.4")),
}


def expected(model: str, usage: dict) -> D:
    """Hand-computed cost: uncached input + cached at the cache rate + all completion tokens
    (reasoning included, billed once) at the output rate."""
    inp, cached_rate, out = RATES[model]
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
    return ((usage["prompt_tokens"] - cached) * inp + cached * cached_rate
            + usage["completion_tokens"] * out) / MTOK


CHAT = [
    ("gpt-4o", {"prompt_tokens": 1000, "completion_tokens": 500}),
    ("gpt-4o", {"prompt_tokens": 5000, "completion_tokens": 900,
                "prompt_tokens_details": {"cached_tokens": 4096}}),
    ("gpt-4o-mini", {"prompt_tokens": 2048, "completion_tokens": 77,
                     "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
                     "completion_tokens_details": {"reasoning_tokens": 0}}),
    ("o3-mini", {"prompt_tokens": 1000, "completion_tokens": 500,
                 "prompt_tokens_details": {"cached_tokens": 400},
                 "completion_tokens_details": {"reasoning_tokens": 200}}),
    ("o3-mini", {"prompt_tokens": 30, "completion_tokens": 4000,
                 "completion_tokens_details": {"reasoning_tokens": 3900}}),
    ("gpt-4o-mini", {"prompt_tokens": 12, "completion_tokens": 34, "prompt_tokens_details": None}),
]


@pytest.fixture(scope="module")
def pricer():
    return Pricer(None)


@pytest.mark.parametrize("model, usage", CHAT)
def test_chat_cost_matches_hand_computed(pricer, model, usage):
    price = pricer.price(model, OPENAI, chat_buckets(usage), "text")
    assert price.cost_usd == expected(model, usage)
    assert price.source == f"{pricer.snapshot_label()} (openai)"


def test_worked_example_o3_mini(pricer):
    # 600 uncached x $1.10 + 400 cached x $0.55 + (300 visible + 200 reasoning) x $4.40 per MTok
    buckets = TB(input_tokens=600, cache_read_tokens=400, output_tokens=300, reasoning_tokens=200)
    assert pricer.price("o3-mini", OPENAI, buckets, "text").cost_usd == D("0.00308")


def test_full_precision_not_rounded(pricer):
    assert pricer.price("gpt-4o-mini", OPENAI, TB(input_tokens=1), "text").cost_usd == D("0.00000015")


def test_cache_write_priced_at_input_rate_when_model_has_no_write_rate(pricer):
    # OpenAI has no cache-write price: those tokens must cost the input rate, not vanish.
    with_write = pricer.price("gpt-4o", OPENAI, TB(input_tokens=100, cache_write_tokens=900), "text")
    assert with_write.cost_usd == D(1000) * D("2.5") / MTOK


def test_cache_write_own_rate_for_anthropic(pricer):
    # claude-3-5-haiku-latest: input 0.8, cache read 0.08, cache write 1, output 4 $/MTok
    buckets = TB(input_tokens=1000, cache_read_tokens=2000, cache_write_tokens=500, output_tokens=100)
    price = pricer.price("claude-3-5-haiku-latest", "api.anthropic.com", buckets, "text")
    assert price.cost_usd == D("0.00186")
    assert price.source.endswith("(anthropic)")


@pytest.mark.parametrize("model", ["gpt-4o-mini-2024-07-18", "gpt-4o-mini-20240718", "GPT-4o-mini"])
def test_dated_and_cased_model_names(pricer, model):
    usage = {"prompt_tokens": 1000, "completion_tokens": 1000}
    assert pricer.price(model, OPENAI, chat_buckets(usage), "text").cost_usd == expected("gpt-4o-mini", usage)


def test_openrouter_and_local_hosts(pricer):
    b = TB(input_tokens=1000, output_tokens=1000)
    assert pricer.price("openai/gpt-4o-mini", "openrouter.ai", b, "text").source.endswith("(openrouter)")
    local = pricer.price("gpt-4o-mini", "127.0.0.1:8123", b, "text")
    assert local.cost_usd == D("0.00075") and "openai rates, via 127.0.0.1:8123" in local.source


@pytest.mark.parametrize("model, host", [("llama3.1:8b", "localhost:11434"), ("no-such-model", OPENAI),
                                         ("dall-e-3", OPENAI), ("", OPENAI)])
def test_unknown_model_is_unpriced_not_zero(pricer, model, host):
    assert pricer.price(model, host, TB(input_tokens=10, output_tokens=10), "text") == Price(None, None)
    assert not pricer.is_priced(model, host)
    assert pricer.estimate_range(model, host, 10, 100, "text") is None


def test_no_usage_costs_zero_for_text_but_image_is_unpriced(pricer):
    assert pricer.price("gpt-4o", OPENAI, chat_buckets(None), "text").cost_usd == D(0)
    assert pricer.price("gpt-image-1", OPENAI, image_buckets(None), "image", n_images=1).cost_usd is None


@pytest.mark.parametrize("model, host", [("offline-demo", "offline"), ("offline-demo-image", "offline"),
                                         ("offline-demo", "")])
def test_offline_demo_is_free(pricer, model, host):
    price = pricer.price(model, host, TB(input_tokens=10**6, output_tokens=10**6), "text")
    assert price == Price(D(0), "offline demo (free)")
    assert pricer.is_priced(model, host)


def test_gpt_image_1_priced_by_tokens(pricer):
    # gpt-image-1: text input $5/MTok, image output tokens at output $40/MTok
    usage = {"input_tokens": 50, "output_tokens": 4160, "input_tokens_details": {"text_tokens": 50}}
    price = pricer.price("gpt-image-1", OPENAI, image_buckets(usage), "image", n_images=1)
    assert price.cost_usd == (50 * D(5) + 4160 * D(40)) / MTOK


def test_historic_timestamp_accepted(pricer):
    b = TB(input_tokens=1000)
    for when in (datetime(2025, 1, 1), datetime(2025, 1, 1, tzinfo=timezone.utc)):
        assert pricer.price("gpt-4o", OPENAI, b, "text", when=when).cost_usd == D("0.0025")


def test_estimate_range(pricer):
    assert pricer.estimate_range("gpt-4o", OPENAI, 1000, 2000, "text") == (D("0.0025"), D("0.0225"))
    low, high = pricer.estimate_range("gpt-image-1", OPENAI, 50, 4160, "image")
    assert (low, high) == (50 * D(5) / MTOK, (50 * D(5) + 4160 * D(40)) / MTOK)
    assert pricer.estimate_range("offline-demo", "offline", 10, 10, "text") == (D(0), D(0))


def test_snapshot_label(pricer):
    assert pricer.snapshot_label() == "genai-prices 0.2.3"


def test_price_is_fast_after_warmup(pricer):
    b = TB(input_tokens=600, cache_read_tokens=400, output_tokens=300, reasoning_tokens=200)
    pricer.price("gpt-4o-mini", OPENAI, b, "text")
    start, n = time.perf_counter(), 500
    for _ in range(n):
        pricer.price("gpt-4o-mini", OPENAI, b, "text")
    assert (time.perf_counter() - start) / n < 0.002  # ~0.1 ms measured; loose for slow CI


# ---- the TOML prices file ----

LOCAL_TOML = """
[models."llama3.1:8b"]
input_per_mtok = 0.0
output_per_mtok = 0.0
[models."my-local-model"]
input_per_mtok = 0.15
cache_read_per_mtok = 0.075
output_per_mtok = 0.60
[models."my-image-model"]
per_image = 0.04
[models."dall-e-3"]
per_image = 0.04
[models."only-here"]
input_per_mtok = 1
output_per_mtok = 2
provider = "localhost:9999"
[models."team-*"]
input_per_mtok = 3
output_per_mtok = 4
"""


def write(path, text, bump=0):
    path.write_text(text, encoding="utf-8")
    if bump:  # coarse mtime on some filesystems: make the change visible for sure
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + bump))


@pytest.fixture()
def toml_pricer(tmp_path):
    path = tmp_path / "prices.toml"
    write(path, LOCAL_TOML)
    return Pricer(path), path


def test_local_models_from_toml(toml_pricer):
    pricer, path = toml_pricer
    b = TB(input_tokens=1000, cache_read_tokens=4000, output_tokens=500, reasoning_tokens=100)
    assert pricer.price("llama3.1:8b", "localhost:11434", b, "text") == Price(D(0), "prices file prices.toml")
    expected_local = (1000 * D("0.15") + 4000 * D("0.075") + 600 * D("0.60")) / MTOK
    assert pricer.price("my-local-model", "localhost:8000", b, "text").cost_usd == expected_local
    assert pricer.price("team-alpha", "x", b, "text").cost_usd == (5000 * D(3) + 600 * D(4)) / MTOK
    assert pricer.problems == []


def test_toml_provider_restriction(toml_pricer):
    pricer, _ = toml_pricer
    b = TB(input_tokens=1000, output_tokens=1000)
    assert pricer.price("only-here", "localhost:9999", b, "text").cost_usd == D("0.003")
    assert pricer.price("only-here", "localhost:8000", b, "text").cost_usd is None


def test_toml_per_image(toml_pricer):
    pricer, _ = toml_pricer
    assert pricer.price("dall-e-3", OPENAI, TB(), "image", n_images=2) == Price(D("0.08"), "prices file prices.toml")
    assert pricer.estimate_range("my-image-model", "h", 0, 0, "image", n_images=3) == (D("0.12"), D("0.12"))
    assert pricer.price("my-image-model", "h", TB(input_tokens=5), "text").cost_usd is None  # no token rates


def test_toml_overrides_genai_prices(tmp_path):
    path = tmp_path / "p.toml"
    write(path, '[models."gpt-4o"]\ninput_per_mtok = 1\noutput_per_mtok = 1\n')
    price = Pricer(path).price("gpt-4o", OPENAI, TB(input_tokens=10**6), "text")
    assert price == Price(D(1), "prices file p.toml")


def test_toml_reloaded_when_changed(toml_pricer):
    pricer, path = toml_pricer
    b = TB(input_tokens=10**6)
    assert pricer.price("my-local-model", "h", b, "text").cost_usd == D("0.15")
    write(path, LOCAL_TOML.replace("input_per_mtok = 0.15", "input_per_mtok = 0.25"), bump=10**9)
    assert pricer.price("my-local-model", "h", b, "text").cost_usd == D("0.25")
    path.unlink()  # a missing file means no overrides, not an error
    assert pricer.price("my-local-model", "h", b, "text").cost_usd is None
    assert pricer.problems == []


def test_malformed_toml_does_not_crash(toml_pricer):
    pricer, path = toml_pricer
    write(path, '[models."my-local-model"\ninput_per_mtok = ', bump=10**9)
    b = TB(input_tokens=1000, output_tokens=1000)
    assert pricer.price("my-local-model", "h", b, "text") == Price(None, None)
    assert pricer.price("gpt-4o", OPENAI, b, "text").cost_usd == D("0.0125")  # snapshot still works
    assert len(pricer.problems) == 1 and "prices.toml" in pricer.problems[0]
    write(path, LOCAL_TOML, bump=2 * 10**9)  # fixed: problems clear
    assert pricer.price("my-local-model", "h", b, "text").cost_usd is not None and pricer.problems == []


@pytest.mark.parametrize("entry", ['input_per_mtok = -1\noutput_per_mtok = 1', 'input_per_mtoken = 1',
                                   'input_per_mtok = "cheap"\noutput_per_mtok = 1', 'provider = 3\nper_image = 1',
                                   'input_per_mtok = inf\noutput_per_mtok = 1', ''])
def test_bad_entry_is_reported_and_skipped(tmp_path, entry):
    path = tmp_path / "prices.toml"
    write(path, f'[models."bad"]\n{entry}\n[models."good"]\ninput_per_mtok = 1\noutput_per_mtok = 1\n')
    pricer = Pricer(path)
    assert pricer.price("bad", "h", TB(input_tokens=5), "text").cost_usd is None
    assert pricer.price("good", "h", TB(input_tokens=10**6), "text").cost_usd == D(1)
    assert len(pricer.problems) == 1 and "'bad'" in pricer.problems[0]


def test_binary_garbage_file(tmp_path):
    path = tmp_path / "prices.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    pricer = Pricer(path)
    assert pricer.price("anything", "h", TB(input_tokens=1), "text").cost_usd is None
    assert pricer.problems


def test_example_prices_file_is_valid():
    from pathlib import Path
    pricer = Pricer(Path(__file__).resolve().parent.parent / "prices.example.toml")
    assert pricer.price("llama3.1:8b", "localhost:11434", TB(input_tokens=5), "text").cost_usd == D(0)
    assert pricer.price("dall-e-3", OPENAI, TB(), "image", n_images=1).cost_usd == D("0.04")
    assert pricer.problems == []
