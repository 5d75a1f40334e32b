"""Test helpers for budgets: write the budgets file, seed spend rows at chosen times and costs."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pandas as pd

from genlib import GenerationRequest, new_id


def write_budgets(vault, text: str) -> None:
    path = vault.settings.resolved_budgets_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def seed_spend(vault, user: str, cost, when: datetime | None = None, model: str = "gpt-4o-mini",
               prompt: str = "seeded", **extra) -> str:
    """One finished generation row with this cost (None = unpriced), straight into the store."""
    gen_id = new_id()
    row = dict(id=gen_id, kind="text", user_id=user, model_requested=model, model_used=model, prompt=prompt,
               status="complete", result_text="", created_utc=when or datetime.utcnow(),
               cost_usd=None if cost is None else Decimal(str(cost)))
    row.update(extra)  # e.g. status="error" for a failed call
    vault.store.bulk_append(pd.DataFrame([row]))
    return gen_id


def text_request(i: int = 0, max_tokens: int | None = 1000, model: str = "gpt-4o-mini") -> GenerationRequest:
    params = {"max_tokens": max_tokens} if max_tokens else {}
    return GenerationRequest(f"question number {i:02d}", model, params=params)
