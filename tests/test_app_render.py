"""ui.render: exact cost strings, times and durations (safe Markdown: tests/test_safe_markdown.py)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ui.render import ago, format_cost, format_ms


@pytest.mark.parametrize("value, shown", [
    (Decimal("0.000123000000000000"), "$0.000123"), (Decimal("0E-18"), "$0"), (None, "unpriced"),
    (Decimal("12.5"), "$12.5"), (Decimal("0.000000012345678901"), "$0.000000012345678901"),
    (0.0042, "$0.0042"), (float("nan"), "unpriced"), (Decimal("1E+2"), "$100"),
])
def test_costs_are_exact_and_never_rounded_to_cents(value, shown):
    assert format_cost(value) == shown


def test_estimated_costs_say_so():
    assert format_cost(Decimal("0.01"), estimated=True) == "$0.01 (estimated)"


def test_small_formatters():
    assert format_ms(None) == "—" and format_ms(250) == "250 ms" and format_ms(1500) == "1.50 s"
    assert ago(timedelta(seconds=1)) == "1 second" and ago(timedelta(hours=3, minutes=2)) == "3 hours"
