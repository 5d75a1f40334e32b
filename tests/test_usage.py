"""usage.py: provider usage dicts -> disjoint buckets, and token estimates."""
from __future__ import annotations

import pytest

from genlib.records import TokenBuckets
from genlib.pricing.usage import chat_buckets, estimate_chat_usage, estimate_tokens, image_buckets

TB = TokenBuckets

CHAT_CASES = [
    ("openai, cached + reasoning (both subsets)",
     {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500,
      "prompt_tokens_details": {"cached_tokens": 400, "audio_tokens": 0},
      "completion_tokens_details": {"reasoning_tokens": 200, "audio_tokens": 0}},
     TB(input_tokens=600, cache_read_tokens=400, output_tokens=300, reasoning_tokens=200)),
    ("details missing (local server)",
     {"prompt_tokens": 12, "completion_tokens": 34, "total_tokens": 46},
     TB(input_tokens=12, output_tokens=34)),
    ("details None",
     {"prompt_tokens": 12, "completion_tokens": 34, "prompt_tokens_details": None,
      "completion_tokens_details": None},
     TB(input_tokens=12, output_tokens=34)),
    ("details with None values",
     {"prompt_tokens": 12, "completion_tokens": 34,
      "prompt_tokens_details": {"cached_tokens": None},
      "completion_tokens_details": {"reasoning_tokens": None}},
     TB(input_tokens=12, output_tokens=34)),
    ("openrouter: cache_write_tokens inside prompt_tokens",
     {"prompt_tokens": 3000, "completion_tokens": 100,
      "prompt_tokens_details": {"cached_tokens": 2000, "cache_write_tokens": 500}},
     TB(input_tokens=500, cache_read_tokens=2000, cache_write_tokens=500, output_tokens=100)),
    ("anthropic names beside prompt_tokens (proxy): counted inside",
     {"prompt_tokens": 3000, "completion_tokens": 100,
      "cache_read_input_tokens": 2000, "cache_creation_input_tokens": 500},
     TB(input_tokens=500, cache_read_tokens=2000, cache_write_tokens=500, output_tokens=100)),
    ("anthropic native shape: cache fields on top of input_tokens",
     {"input_tokens": 500, "output_tokens": 100,
      "cache_read_input_tokens": 2000, "cache_creation_input_tokens": 300},
     TB(input_tokens=500, cache_read_tokens=2000, cache_write_tokens=300, output_tokens=100)),
    ("responses-api shape: input_tokens_details.cached_tokens inside",
     {"input_tokens": 1000, "output_tokens": 50, "input_tokens_details": {"cached_tokens": 800},
      "output_tokens_details": {"reasoning_tokens": 20}},
     TB(input_tokens=200, cache_read_tokens=800, output_tokens=30, reasoning_tokens=20)),
    ("cached > prompt can't be a subset: additive",
     {"prompt_tokens": 100, "completion_tokens": 5, "prompt_tokens_details": {"cached_tokens": 300}},
     TB(input_tokens=100, cache_read_tokens=300, output_tokens=5)),
    ("reasoning > completion can't be a subset: additive",
     {"prompt_tokens": 10, "completion_tokens": 5, "completion_tokens_details": {"reasoning_tokens": 50}},
     TB(input_tokens=10, output_tokens=5, reasoning_tokens=50)),
    ("total_tokens shows reasoning on top (gemini-compat)",
     {"prompt_tokens": 10, "completion_tokens": 40, "total_tokens": 80,
      "completion_tokens_details": {"reasoning_tokens": 30}},
     TB(input_tokens=10, output_tokens=40, reasoning_tokens=30)),
    ("garbage types and negatives read as 0",
     {"prompt_tokens": "abc", "completion_tokens": -5, "prompt_tokens_details": "x",
      "completion_tokens_details": {"reasoning_tokens": True}},
     TB()),
    ("numeric strings and floats tolerated",
     {"prompt_tokens": "120", "completion_tokens": 30.0, "prompt_tokens_details": {"cached_tokens": float("nan")}},
     TB(input_tokens=120, output_tokens=30)),
    ("no usage: None", None, TB()),
    ("no usage: empty", {}, TB()),
    ("no usage: not a dict", ["nope"], TB()),
]


@pytest.mark.parametrize("usage, expected", [c[1:] for c in CHAT_CASES], ids=[c[0] for c in CHAT_CASES])
def test_chat_buckets(usage, expected):
    assert chat_buckets(usage) == expected


def test_subset_semantics_bill_every_token_once():
    usage = {"prompt_tokens": 5000, "completion_tokens": 900, "total_tokens": 5900,
             "prompt_tokens_details": {"cached_tokens": 4096},
             "completion_tokens_details": {"reasoning_tokens": 640}}
    assert chat_buckets(usage).total == usage["total_tokens"]


def test_pydantic_like_object_is_dumped():
    class FakeUsage:
        def model_dump(self):
            return {"prompt_tokens": 7, "completion_tokens": 3}

    assert chat_buckets(FakeUsage()) == TB(input_tokens=7, output_tokens=3)


IMAGE_CASES = [
    ("gpt-image-1 generate",
     {"input_tokens": 50, "output_tokens": 4160, "total_tokens": 4210,
      "input_tokens_details": {"text_tokens": 50, "image_tokens": 0}},
     TB(input_tokens=50, image_tokens=4160)),
    ("output details split text / image",
     {"input_tokens": 50, "output_tokens": 1100,
      "input_tokens_details": {"text_tokens": 40, "image_tokens": 10},
      "output_tokens_details": {"image_tokens": 1056, "text_tokens": 44}},
     TB(input_tokens=50, output_tokens=44, image_tokens=1056)),
    ("cached input", {"input_tokens": 50, "output_tokens": 272, "input_tokens_details": {"cached_tokens": 30}},
     TB(input_tokens=20, cache_read_tokens=30, image_tokens=272)),
    ("no usage (dall-e-3)", None, TB()),
    ("garbage", {"input_tokens": None, "output_tokens": "x"}, TB()),
]


@pytest.mark.parametrize("usage, expected", [c[1:] for c in IMAGE_CASES], ids=[c[0] for c in IMAGE_CASES])
def test_image_buckets(usage, expected):
    assert image_buckets(usage) == expected


@pytest.mark.parametrize("text, low, high", [
    ("", 0, 0),
    (" ", 1, 1),
    ("hello", 1, 1),
    ("The quick brown fox jumps over the lazy dog.", 9, 12),  # cl100k: 10
    ("internationalization", 2, 5),
    ("1234567890", 3, 5),
    ("你好，世界", 4, 8),
    ("def f(x):\n    return x * 2\n", 8, 16),
])
def test_estimate_tokens_ranges(text, low, high):
    assert low <= estimate_tokens(text) <= high


def test_estimate_tokens_scales_like_chars_over_4_on_prose():
    prose = ("Streaming responses let the user read the answer while it is generated, "
             "but the usage block only arrives at the very end of the stream. ") * 50
    est = estimate_tokens(prose)
    assert 0.7 * len(prose) / 4 <= est <= 1.4 * len(prose) / 4


def test_estimate_chat_usage_is_openai_shaped_and_flagged():
    msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hi to the world"},
            {"role": "user", "content": [{"type": "text", "text": "and more"}, {"type": "image_url"}]}]
    usage = estimate_chat_usage(msgs, "Hi, world!")
    assert usage["estimated"] is True
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["prompt_tokens"] >= 3 * 3 + 3 + 1
    assert usage["completion_tokens"] == estimate_tokens("Hi, world!")
    assert chat_buckets(usage) == TB(input_tokens=usage["prompt_tokens"], output_tokens=usage["completion_tokens"])


def test_estimate_chat_usage_tolerates_empty():
    usage = estimate_chat_usage([], "")
    assert usage["completion_tokens"] == 0 and usage["prompt_tokens"] >= 0
