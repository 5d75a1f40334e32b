"""The one USD formatter: exact costs ("$0.000123", zeros trimmed) or budget amounts in cents."""
from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")


def format_usd(value, estimated: bool = False, cents: bool = False) -> str:
    """A cost: "$0.000123" (exact, zeros trimmed), "unpriced" for None, "(estimated)" when usage was
    estimated. With `cents` (budget amounts): "$5.00", "$1,234.50", and amounts under a cent keep
    their digits ("$0.000612") instead of "$0.00"; None counts as 0."""
    if cents:
        amount = Decimal(value or 0)
        if amount == 0 or abs(amount) >= CENT:
            return f"${amount:,.2f}"
        return "$" + format(amount.quantize(Decimal("0.000001")).normalize(), "f")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "unpriced"
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return "unpriced"
    if not amount.is_finite():
        return "unpriced"
    text = "$" + format(amount.normalize(), "f") if amount else "$0"
    return f"{text} (estimated)" if estimated else text
