"""A synthetic history of N generations, realistic in shape and size, built fast with numpy.

50 users (a few heavy, many light), 10 models (one image model, one local unpriced model),
90 days ending now, time-ordered as an app appends them. Prompts ~150 characters median with a
long tail, answers ~1,200 median (up to 20,000), cut from a pool of Zipf-distributed words, so
a mid-frequency word matches about 1 row in 100. Statuses: 95 % complete, 3 % error, 1.5 %
cancelled, 0.5 % interrupted; 25 % continue a conversation; 2 % are dedup cache hits.
Frames come in batches, each passed to the sinks (DuckDB `store.bulk_append`, SQLite).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable, Iterator

import numpy as np
import pandas as pd

ALPHABET = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", np.uint8)
HEX = np.frombuffer(b"0123456789abcdef", np.uint8)
# name, $ per million input tokens, output, share of traffic, kind
MODELS = [("gpt-4o-mini", 0.15, 0.60, 0.30, "text"), ("gpt-4.1-mini", 0.40, 1.60, 0.20, "text"),
          ("gpt-4.1-nano", 0.10, 0.40, 0.08, "text"), ("gpt-4o", 2.50, 10.0, 0.10, "text"),
          ("gpt-4.1", 2.00, 8.00, 0.08, "text"), ("o3-mini", 1.10, 4.40, 0.06, "text"),
          ("o4-mini", 1.10, 4.40, 0.06, "text"), ("gpt-5-mini", 0.25, 2.00, 0.06, "text"),
          ("llama3.1:8b", None, None, 0.03, "text"), ("gpt-image-1", 5.00, 40.0, 0.03, "image")]
USERS = [f"user{i:02d}@example.com" for i in range(50)]
SEARCH_RANK = 1500  # the word searched for: mid-frequency, about 1 % of rows
BATCH = 100_000


def words(rng: np.random.Generator, n: int = 6000) -> list[str]:
    """n distinct pronounceable pseudo-words, 2-4 syllables."""
    syllables = [c + v for c in "bcdfghjklmnprstvz" for v in "aeiou"] + ["qua", "tre", "sho", "ly"]
    out: list[str] = []
    seen = set()
    while len(out) < n:
        word = "".join(rng.choice(syllables, rng.integers(2, 5)))
        if word not in seen:
            seen.add(word)
            out.append(word)
    return out


def text_pool(rng: np.random.Generator, vocab: list[str], chars: int = 12_000_000) -> str:
    """A long Zipf-distributed word stream with sentence breaks, sliced into prompts/answers."""
    ranks = np.arange(1, len(vocab) + 1)
    probs = 1.0 / ranks / np.sum(1.0 / ranks)
    n_words = chars // 7
    picks = rng.choice(len(vocab), n_words, p=probs)
    breaks = rng.random(n_words) < 1 / 14
    vocab_arr = np.array(vocab, dtype=object)
    tokens = np.where(breaks, vocab_arr[picks] + ".", vocab_arr[picks])
    return " ".join(tokens.tolist())


def random_strings(rng: np.random.Generator, n: int, width: int, alphabet: np.ndarray) -> np.ndarray:
    codes = alphabet[rng.integers(0, len(alphabet), (n, width))]
    return codes.view(f"S{width}").ravel().astype(f"U{width}")


def slices(rng, pool: str, lengths: np.ndarray) -> list[str]:
    starts = rng.integers(0, len(pool) - int(lengths.max()) - 1, len(lengths))
    return [pool[s:s + n] for s, n in zip(starts.tolist(), lengths.tolist())]


def lognormal_lengths(rng, n: int, median: float, sigma: float, low: int, high: int) -> np.ndarray:
    return np.clip(rng.lognormal(np.log(median), sigma, n), low, high).astype(np.int64)


def _base_columns(rng, n: int, created: np.ndarray) -> dict:
    model_idx = rng.choice(len(MODELS), n, p=[m[3] for m in MODELS])
    user_w = 1.0 / np.arange(1, len(USERS) + 1) ** 0.8
    ids = random_strings(rng, n, 21, ALPHABET)
    status = rng.choice(["complete", "error", "cancelled", "interrupted"], n, p=[0.95, 0.03, 0.015, 0.005])
    has_parent = rng.random(n) < 0.25
    parents = np.where(has_parent, ids[rng.integers(0, n, n)], None)
    return {"id": ids, "model_idx": model_idx, "status": status, "parent_id": parents,
            "user_id": np.array(USERS)[rng.choice(len(USERS), n, p=user_w / user_w.sum())],
            "created_utc": created}


def _texts(rng, pool: str, cols: dict) -> dict:
    n = len(cols["id"])
    image = np.array([m[4] for m in MODELS])[cols["model_idx"]] == "image"
    prompts = slices(rng, pool, lognormal_lengths(rng, n, 150, 1.0, 8, 8000))
    answers = slices(rng, pool, lognormal_lengths(rng, n, 1200, 0.8, 20, 20000))
    partial = np.isin(cols["status"], ["error", "cancelled", "interrupted"])
    answers = [("" if img else a[: len(a) // 3] if cut else a) for a, img, cut in zip(answers, image, partial)]
    system = rng.random(n) < 0.2
    messages = [('[{"role": "system", "content": "You are a helpful assistant."}, ' if s else "[")
                + f'{{"role": "user", "content": "{p}"}}]' for p, s in zip(prompts, system)]
    return {"prompt": prompts, "result_text": answers, "messages_json": messages, "image": image,
            "system_prompt": np.where(system, "You are a helpful assistant.", None)}


def _usage(rng, cols: dict, texts: dict) -> dict:
    n = len(cols["id"])
    inp = np.array([len(p) // 4 + 12 for p in texts["prompt"]])
    out = np.array([len(a) // 4 for a in texts["result_text"]])
    cached = np.where(rng.random(n) < 0.3, inp // 2, 0)
    price_in = np.array([np.nan if m[1] is None else m[1] for m in MODELS])[cols["model_idx"]]
    price_out = np.array([np.nan if m[2] is None else m[2] for m in MODELS])[cols["model_idx"]]
    image_tok = np.where(texts["image"], 272, 0)
    cost = ((inp - cached) * price_in + cached * price_in / 2 + (out + image_tok) * price_out) / 1e6
    usage = [f'{{"prompt_tokens": {i}, "completion_tokens": {o}, "total_tokens": {i + o}, '
             f'"prompt_tokens_details": {{"cached_tokens": {c}}}}}' for i, o, c in zip(inp, out, cached)]
    return {"input_tokens": inp - cached, "cache_read_tokens": cached, "output_tokens": out,
            "image_tokens": image_tok, "cost_usd": cost, "usage_json": usage}


def _nullable(values: np.ndarray) -> pd.Series:
    """Floats with NaN as SQL NULL (unpriced), not as a NaN number."""
    return pd.Series(values).astype("Float64")


def frame(rng, pool: str, created: np.ndarray) -> pd.DataFrame:
    """One batch of rows, columns named like `Generation` fields."""
    cols = _base_columns(rng, len(created), created)
    texts, n = _texts(rng, pool, cols), len(created)
    usage = _usage(rng, cols, texts)
    names = np.array([m[0] for m in MODELS])[cols["model_idx"]]
    hit = (rng.random(n) < 0.02) & (cols["status"] == "complete")
    ttft = pd.to_timedelta(rng.lognormal(np.log(400), 0.5, n), unit="ms")
    took = pd.to_timedelta(usage["output_tokens"] / 60.0 + 0.5, unit="s")
    df = pd.DataFrame({
        "id": cols["id"], "kind": np.where(texts["image"], "image", "text"), "user_id": cols["user_id"],
        "model_requested": names, "model_used": names, "provider": "api.openai.com",
        "prompt": texts["prompt"], "system_prompt": texts["system_prompt"], "parent_id": cols["parent_id"],
        "messages_json": texts["messages_json"], "params_json": '{"temperature": 0.7}',
        "result_text": texts["result_text"], "status": cols["status"],
        "images_json": np.where(texts["image"], '[{"path": "images/x.png", "thumb": "images/x.thumb.webp"}]', None),
        "usage_json": usage["usage_json"], "input_tokens": usage["input_tokens"],
        "cache_read_tokens": usage["cache_read_tokens"], "cache_write_tokens": 0,
        "output_tokens": usage["output_tokens"], "reasoning_tokens": 0, "image_tokens": usage["image_tokens"],
        "usage_estimated": False, "cost_usd": _nullable(np.where(hit, 0.0, usage["cost_usd"])),
        "cost_saved_usd": _nullable(np.where(hit, usage["cost_usd"], np.nan)), "price_source": "genai-prices 0.2.3 (openai)",
        "error": np.where(cols["status"] == "error", "The provider had an error (500).", None),
        "cached_from": np.where(hit, cols["id"][::-1], None), "response_id": "chatcmpl-" + cols["id"],
        "dedup_key": random_strings(rng, n, 64, HEX), "created_utc": created,
        "request_sent_utc": created + pd.Timedelta(milliseconds=4)})
    df["first_token_utc"] = df["request_sent_utc"] + ttft
    df["finished_utc"] = df["request_sent_utc"] + took
    return df


def generate(rows: int, sinks: list[Callable[[pd.DataFrame], None]], seed: int = 7) -> dict:
    """Build `rows` rows batch by batch, oldest first; returns what the queries need to know."""
    rng = np.random.default_rng(seed)
    vocab = words(rng)
    pool = text_pool(rng, vocab)
    end = datetime.now(timezone.utc).replace(tzinfo=None)
    offsets = np.sort(rng.random(rows)) * 90 * 86400e6  # µs after the start, sorted
    created = (np.datetime64(end - timedelta(days=90), "us") + offsets.astype("timedelta64[us]"))
    sample_ids: list[str] = []
    for batch in _batches(rng, pool, created):
        sample_ids.extend(batch["id"].sample(min(len(batch), 50), random_state=1).tolist())
        for sink in sinks:
            sink(batch)
    phrase = " ".join(w.strip(".") for w in pool[:2000].split()[200:202])
    return {"search_term": vocab[SEARCH_RANK], "rare_term": vocab[-1], "phrase": phrase,
            "sample_ids": sample_ids, "end": end}


def _batches(rng, pool: str, created: np.ndarray) -> Iterator[pd.DataFrame]:
    for start in range(0, len(created), BATCH):
        yield frame(rng, pool, created[start:start + BATCH])
