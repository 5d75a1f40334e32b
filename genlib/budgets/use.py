"""How much of a budget is used right now, when it resets, and the sentences that say so.

Periods are UTC days and UTC months (a generation counts where its `created_utc` falls). Every
refusal names the budget, what is spent and reserved, and when it resets, so a user can act.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from ..money import format_usd

DAILY, MONTHLY = "daily", "monthly"


def day_start(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def month_start(now: datetime) -> datetime:
    return day_start(now).replace(day=1)


def next_month(now: datetime) -> datetime:
    start = month_start(now)
    return (start + timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class SpendWindow:
    """What a spend query adds up: records created in [since, until) (and from `day` for the day's
    sums), unpriced ones at `fin`/`fout` USD per input/output token (both 0: not counted)."""

    since: datetime
    until: datetime
    day: datetime | None = None
    fin: Decimal = Decimal(0)
    fout: Decimal = Decimal(0)


def month_window(now: datetime, rates: dict) -> SpendWindow:
    """The UTC month and day of `now`, at the budgets file's fallback rates."""
    return SpendWindow(month_start(now), next_month(now), day_start(now), rates["fin"], rates["fout"])


def period_end(period: str, now: datetime) -> datetime:
    return day_start(now) + timedelta(days=1) if period == DAILY else next_month(now)


def project_month(month_spent: Decimal, now: datetime) -> Decimal:
    """Month-to-date spend carried on at the same pace to the end of the UTC month."""
    start, end = month_start(now), next_month(now)
    elapsed = max((now - start).total_seconds(), 3600.0)  # the first hour would project wildly
    return month_spent * Decimal((end - start).total_seconds()) / Decimal(elapsed)


def usd(value) -> str:
    """A budget amount: "$5.00", "$1,234.50", "$0.000612" (genlib/money.py)."""
    return format_usd(value, cents=True)


def duration(delta: timedelta) -> str:
    """"3 h 12 min", "5 d 3 h", "12 min", "40 s"."""
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min" if minutes else f"{secs} s"


@dataclass(frozen=True)
class BudgetUse:
    """One budget (a user's or the overall one, daily or monthly) as it stands now."""

    user_id: str | None  # None: the overall budget
    period: str
    limit: Decimal
    spent: Decimal  # committed cost in the period
    reserved: Decimal  # worst cases of generations still running
    now: datetime

    @property
    def used(self) -> Decimal:
        return self.spent + self.reserved

    @property
    def left(self) -> Decimal:
        return max(Decimal(0), self.limit - self.used)

    @property
    def fraction(self) -> float:
        if self.limit <= 0:
            return 1.0
        return float(self.used / self.limit)

    @property
    def resets_utc(self) -> datetime:
        return period_end(self.period, self.now)

    def name(self, viewer: str | None = None) -> str:
        """"your daily budget" (viewer's own), "ana@x's daily budget" or "the overall daily budget"."""
        if self.user_id is None:
            return f"the overall {self.period} budget"
        owner = "your" if viewer in (None, self.user_id) else f"{self.user_id}'s"
        return f"{owner} {self.period} budget"

    def reset_phrase(self) -> str:
        when = self.resets_utc
        day = "" if self.period == DAILY else f"on {when.day} {when:%B} "
        return f"{day}at 00:00 UTC (in {duration(when - self.now)})"


def used_up_message(use: BudgetUse) -> str:
    return (f"{_cap(use.name())} of {usd(use.limit)} is used up ({usd(use.used)} spent and reserved); "
            f"it resets {use.reset_phrase()}. Ask an admin to raise it.")


def too_big_message(use: BudgetUse, worst: Decimal) -> str:
    return (f"This generation could cost up to {usd(worst)}, more than the {usd(use.left)} left of "
            f"{use.name()} of {usd(use.limit)} ({usd(use.used)} spent and reserved). Lower Max tokens, "
            f"wait until it resets {use.reset_phrase()}, or ask an admin to raise it.")


def unpriced_message(model: str, prices: str, budgets: str) -> str:
    """`prices`, `budgets`: where they are kept ("the prices file /srv/prices.toml")."""
    return (f"The model {model!r} has no known price, so it can't be counted against your budget. "
            f"Add its price to {prices} (see prices.example.toml), or ask an admin to set "
            f"`unpriced` in {budgets}.")


def rate_message(count: int, limit: int, wait_s: float) -> str:
    if limit <= 0:
        return "Your rate limit is 0 generations per minute: ask an admin to raise it."
    wait = duration(timedelta(seconds=max(1.0, wait_s + 0.999)))
    return (f"You have started {count} generation{'s' if count != 1 else ''} in the last minute; the limit "
            f"is {limit} per minute. Try again in {wait}.")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
