"""Records for the contract tests, built the way the Vault builds them."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pandas as pd

from genlib import COMPLETE, GenerationRequest
from genlib.clock import utcnow
from genlib.conversation import new_record


def pending(prompt: str = "hello", user: str = "ana", parent=None, ago_s: float = 0.0):
    history = () if parent is None else (*parent.messages, {"role": "assistant", "content": parent.result_text})
    request = GenerationRequest(prompt, "gpt-4o-mini", parent_id=parent.id if parent is not None else None,
                                history=tuple(history))
    return new_record(request, user, "test-host", f"key-{prompt}-{user}", utcnow() - timedelta(seconds=ago_s))


def finished(gen, text: str = "an answer", cost: str | None = "0.0010", tokens=(100, 20)):
    gen.status, gen.result_text, gen.finished_utc = COMPLETE, text, utcnow()
    gen.input_tokens, gen.output_tokens = tokens
    gen.cost_usd = Decimal(cost) if cost is not None else None
    gen.price_source = "test" if cost is not None else None
    return gen


def read_export(dest, fmt: str):
    """An export file as a DataFrame, by its format."""
    return {"csv": pd.read_csv, "parquet": pd.read_parquet,
            "jsonl": lambda path: pd.read_json(path, lines=True)}[fmt](dest)
