"""What a batch will cost before it runs: input tokens, worst-case and expected cost, and the budget.

Input tokens are counted with the model's tokenizer when `tiktoken` is installed and knows the
model; otherwise estimated (GenVault's offline estimate, ~4 characters a token) and labelled so.
Worst case: every row uses its max tokens of output (the request's, else the budgets' default).
Expected: every row writes EXPECTED_OUTPUT_TOKENS (or max tokens, if fewer). None when unpriced.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..pricing.usage import estimate_chat_usage

EXPECTED_OUTPUT_TOKENS = 256
_EMPTY = Decimal(0)


@dataclass
class ModelEstimate:
    model: str
    input_tokens: int
    counted: bool  # True: the model's tokenizer counted them; False: estimated
    worst_usd: Decimal | None
    expected_usd: Decimal | None


@dataclass
class Estimate:
    rows: int
    sent_rows: int  # rows minus the skipped ones
    skipped: list[int]
    models: list[ModelEstimate]
    budget_ok: bool = True
    budget_message: str = "No budget applies."
    notes: list[str] = field(default_factory=list)

    @property
    def input_tokens(self) -> int:
        return sum(m.input_tokens for m in self.models)

    @property
    def counted(self) -> bool:
        return all(m.counted for m in self.models)

    @property
    def worst_usd(self) -> Decimal | None:
        return _total(m.worst_usd for m in self.models)

    @property
    def expected_usd(self) -> Decimal | None:
        return _total(m.expected_usd for m in self.models)

    @property
    def tokens_label(self) -> str:
        return f"{self.input_tokens:,} input tokens ({'counted' if self.counted else 'estimated: no tokenizer installed'})"


def count_tokens(model: str, messages_of_rows: list[list[dict]]) -> tuple[int, bool]:
    """(input tokens over every row, counted by the model's tokenizer?)."""
    encoder = _encoder(model)
    if encoder is None:
        return sum(estimate_chat_usage(m, "")["prompt_tokens"] for m in messages_of_rows), False
    # OpenAI's chat framing: ~4 tokens per message plus 3 to prime the reply.
    return sum(3 + sum(4 + len(encoder.encode(x.get("content") or "")) for x in m) for m in messages_of_rows), True


def model_estimate(model: str, messages_of_rows: list[list[dict]], max_tokens: int, price_range) -> ModelEstimate:
    """`price_range(input_tokens, output_tokens)` -> (input cost, input + output cost) or None."""
    tokens, counted = count_tokens(model, messages_of_rows)
    rows = len(messages_of_rows)
    worst = price_range(tokens, max_tokens * rows)
    expected = price_range(tokens, min(max_tokens, EXPECTED_OUTPUT_TOKENS) * rows)
    return ModelEstimate(model, tokens, counted, None if worst is None else worst[1],
                         None if expected is None else expected[1])


def budget_verdict(worst: Decimal | None, expected: Decimal | None, uses) -> tuple[bool, str]:
    """(does the worst case fit every budget that applies, a sentence saying so)."""
    if not uses:
        return True, "No budget applies."
    tightest = min(uses, key=lambda u: u.left)
    name = f"{'your' if tightest.user_id else 'the overall'} {tightest.period} budget"
    if tightest.left <= 0:
        return False, f"{name} is used up: the batch would pause before its first row."
    if worst is None:
        return False, f"Some models are unpriced: the batch runs until {name} (${tightest.left:.2f} left) is reached."
    if worst <= tightest.left:
        return True, f"The worst case fits {name} (${tightest.left:.2f} left)."
    if expected is not None and expected <= tightest.left:
        return True, (f"The expected cost fits {name} (${tightest.left:.2f} left) but the worst case does not: "
                      "the batch pauses if the budget is reached, and can be resumed later.")
    return False, (f"The batch would exceed {name} (${tightest.left:.2f} left): it will pause when the budget "
                   "is reached, and can be resumed later.")


def _total(values) -> Decimal | None:
    total = _EMPTY
    for value in values:
        if value is None:
            return None
        total += value
    return total


def _encoder(model: str):
    try:
        import tiktoken  # optional: counted tokens instead of an estimate
    except ImportError:
        return None
    try:
        return tiktoken.encoding_for_model(model)
    except KeyError:
        return None
