"""Spend alerts: a UTC hour in which a user spent more than `alert_multiple` times their usual rate.

The usual rate is the user's mean spend per active hour (an hour with any spend) over the 14 days
before; an hour must also pass `alert_min_usd`, so a new user's first cents raise no alarm. Checked
when a generation ends (logged once per user and hour) and listed on the Costs page.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from .use import SpendWindow

log = logging.getLogger(__name__)
BASELINE_DAYS = 14
HOUR = timedelta(hours=1)


@dataclass
class SpendAlert:
    user_id: str
    hour: datetime  # start of the UTC hour
    spent_usd: float
    usual_usd: float  # mean per active hour before it (0 when the user has no history)
    generations: pd.DataFrame  # the hour's generations, most expensive first

    @property
    def ratio(self) -> float | None:
        return self.spent_usd / self.usual_usd if self.usual_usd else None


def find_alerts(store, config, since: datetime, until: datetime, user_id: str | None = None,
                limit: int = 20) -> list[SpendAlert]:
    """The flagged hours in [since, until), newest `limit` of them, with their generations."""
    if config.alert_multiple is None:
        return []
    hourly = store.hourly_spend(_window(config, since - timedelta(days=BASELINE_DAYS), until), user_id)
    flagged = _flag(hourly, config, since).tail(limit)
    return [SpendAlert(row.user_id, row.hour.to_pydatetime(), float(row.cost_usd), float(row.usual),
                       store.hour_generations(_window(config, row.hour, row.hour + HOUR), row.user_id))
            for row in flagged.itertuples()]


def _flag(hourly: pd.DataFrame, config, since: datetime) -> pd.DataFrame:
    if hourly.empty:
        return hourly.assign(usual=[])
    hourly = hourly.assign(cost_usd=hourly["cost_usd"].astype(float)).sort_values(["user_id", "hour"])
    # closed="left": the baseline of an hour is the 14 days strictly before it.
    usual = (hourly.set_index("hour").groupby("user_id")["cost_usd"]
             .rolling(f"{BASELINE_DAYS}D", closed="left").mean())
    hourly = hourly.assign(usual=usual.fillna(0.0).to_numpy())
    threshold = (hourly["usual"] * float(config.alert_multiple)).clip(lower=float(config.alert_min_usd))
    return hourly[(hourly["hour"] >= pd.Timestamp(since)) & (hourly["cost_usd"] > threshold)].sort_values("hour")


def _window(config, since, until) -> SpendWindow:
    rates = config.token_rates()
    return SpendWindow(_naive(since), _naive(until), None, rates["fin"], rates["fout"])


def _naive(value) -> datetime:
    return pd.Timestamp(value).to_pydatetime().replace(tzinfo=None)


class SpendAlerts:
    """Checks a user's current hour when one of their generations ends; logs each alert once."""

    def __init__(self, store, clock):
        self._store, self._clock = store, clock
        self._lock = threading.Lock()
        self._logged: set[tuple[str, datetime]] = set()

    def check(self, config, user_id: str) -> SpendAlert | None:
        hour = self._clock().replace(minute=0, second=0, microsecond=0)
        found = find_alerts(self._store, config, hour, hour + HOUR, user_id=user_id, limit=1)
        if not found:
            return None
        with self._lock:
            if (user_id, hour) in self._logged:
                return found[0]
            self._logged = {key for key in self._logged if key[1] >= hour - HOUR}  # bounded
            self._logged.add((user_id, hour))
        alert = found[0]
        log.warning("spend alert: %s spent $%.4f in the hour from %s UTC, over %s x their usual $%.4f/h; "
                    "generations: %s", user_id, alert.spent_usd, f"{hour:%Y-%m-%d %H:00}",
                    config.alert_multiple, alert.usual_usd, ", ".join(alert.generations["id"].head(10)))
        return alert
