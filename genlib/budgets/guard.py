"""Budgets and the rate limit, enforced when `Vault.start` admits a generation.

Spent = the store's cost in the UTC day/month (`RecordStore.spend`) + reservations held in the
`BudgetLedger` for generations in flight. An admitted generation reserves its worst-case cost in one
atomic ledger step, so concurrent starts can't overshoot; the reservation is dropped once its final
cost is committed (`finished`).
"""
from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass, replace
from decimal import Decimal

from ..clock import utcnow
from ..errors import BudgetExceeded
from ..pricing.usage import MTOK, estimate_chat_usage
from ..settingsdoc import BUDGETS, PRICES
from ..records import IMAGE, TEXT, Generation, GenerationRequest
from .alerts import SpendAlert, SpendAlerts, find_alerts
from .config import BudgetConfig, BudgetFile, Fallback
from .group import GroupAdmission
from .use import (DAILY, MONTHLY, BudgetUse, month_window, project_month, too_big_message, unpriced_message,
                  used_up_message)

log = logging.getLogger(__name__)
ZERO = Decimal(0)
INPUT_MARGIN = Decimal("1.25")  # the offline token estimate can undercount a little
IMAGE_MAX_TOKENS = 6240  # gpt-image-1's largest output per image (high quality, 1536x1024)


@dataclass(frozen=True)
class BudgetRow:
    """One line of the Costs page's budget table (user None = overall); spend includes reservations."""

    user_id: str | None
    today_usd: Decimal
    daily_usd: Decimal | None
    month_usd: Decimal
    monthly_usd: Decimal | None
    projected_usd: Decimal
    rate_per_minute: int | None = None  # the user's start limit (None: none, and always for the overall row)


class BudgetGuard(GroupAdmission):
    def __init__(self, store, ledger, pricer, provider_host: str, settings, clock=utcnow,
                 names=lambda user_id: user_id, documents=None):
        self._store, self._ledger, self._pricer, self._host = store, ledger, pricer, provider_host
        self._name = names  # user id -> the name per-user budgets are configured under (verified email)
        # The budgets and prices documents: a SettingsStore's (the database's when there is one,
        # shared by every replica and the ledger's limits with them), else the files.
        self._documents = documents
        self.file = BudgetFile(settings.resolved_budgets_file if documents is None
                               else lambda: documents.current(BUDGETS))
        self.prices_file = settings.resolved_prices_file
        self._clock = clock
        self.alerts = SpendAlerts(store, clock)
        self._alert_lock, self._closed = threading.Lock(), False

    def config(self) -> BudgetConfig:
        return self.file.config()

    # -- admission ------------------------------------------------------------------------
    def bound(self, request: GenerationRequest, user_id: str) -> GenerationRequest:
        """Under a budget, a text request with no max_tokens is sent with `default_max_tokens`,
        so its reservation is a real upper bound (the record shows the value sent)."""
        config = self.config()
        if request.kind != TEXT or request.params.get("max_tokens") or not config.has_budget(self._name(user_id)):
            return request
        return replace(request, params={**request.params, "max_tokens": config.default_max_tokens})

    def admit(self, record: Generation, request: GenerationRequest, hit: bool) -> None:
        """Raise RateLimited / BudgetExceeded, or count the start and reserve its worst case.

        A dedup hit costs nothing: it needs no reservation and passes a spent budget, but it
        counts for the rate limit (it is still a generation the user started)."""
        config = self._admitting()
        if config is None:
            return
        user = _norm(record.user_id)
        worst = None if hit or not config.has_budget(self._name(user)) else self._worst_or_refuse(config, request)
        if self.admitted_by_group(record, worst):
            return
        self._ledger.reserve(record.id, user, worst, self._limits(config, user).rate_per_minute,
                             lambda mine, everyone: self._check(self._uses(config, user, mine, everyone), worst))

    def _admitting(self):
        """The configuration a start is admitted under; None when there is none (admit all). A
        file that does not parse refuses every start until it is fixed (fail closed)."""
        config = self.config()
        if config.broken:
            raise BudgetExceeded(config.broken)
        return None if config.empty else config

    def release(self, gen_id: str) -> None:
        """Drop a reservation (idempotent): the generation never started."""
        self._ledger.release(gen_id)

    def finished(self, final: Generation) -> None:
        """After the final record is committed: its real cost replaces its reservation."""
        self._ledger.settle(final.id)
        config = self.config()
        if config.alert_multiple is None or final.cached_from:
            return
        # This runs in the worker while Vault.close may be under way (it does not wait for
        # workers): the lock keeps the store open until the query is done, `_closed` stops later ones.
        with self._alert_lock:
            if self._closed:
                return
            try:
                self.alerts.check(config, _norm(final.user_id))
            except Exception:  # noqa: BLE001 - an alert must never break the end of a generation
                log.exception("spend alert check failed")

    def close(self) -> None:
        with self._alert_lock:
            self._closed = True

    def worst_case(self, config: BudgetConfig, request: GenerationRequest) -> Decimal | None:
        """Input tokens (estimated, with a margin) plus max tokens at the model's prices; images
        at their price for the largest output. None when the model is unpriced and has no fallback."""
        n = int(request.params.get("n") or 1)
        prompt = estimate_chat_usage(request.messages(), "", request.attachments)["prompt_tokens"]
        inp = math.ceil(prompt * INPUT_MARGIN)
        if request.kind == IMAGE:
            out = IMAGE_MAX_TOKENS * n
        else:
            out = int(request.params.get("max_tokens") or config.default_max_tokens)
        found = self._pricer.estimate_range(request.model, self._host, inp, out, request.kind, n_images=n)
        if found is not None:
            return found[1]
        if isinstance(config.unpriced, Fallback):
            fin, fout = config.fallback_rates
            return (inp * fin + out * fout) / MTOK
        return None

    def _worst_or_refuse(self, config: BudgetConfig, request: GenerationRequest) -> Decimal:
        worst = self.worst_case(config, request)
        if worst is not None:
            return worst
        if config.unpriced == "allow":  # the file says so: run it, uncounted
            return ZERO
        prices = (f"the prices file {self.prices_file}" if self._documents is None
                  else "the " + self._documents.current(PRICES).where)
        raise BudgetExceeded(unpriced_message(request.model, prices, "the " + self.file.where))

    @staticmethod
    def _check(uses: list[BudgetUse], worst: Decimal) -> None:
        for use in uses:
            if use.used >= use.limit:
                raise BudgetExceeded(used_up_message(use))
        for use in uses:
            if use.used + worst > use.limit:
                raise BudgetExceeded(too_big_message(use, worst))

    # -- reading --------------------------------------------------------------------------
    def usage(self, user_id: str) -> list[BudgetUse]:
        """The budgets that apply to this user (theirs, then the overall ones), as they stand."""
        config = self.config()
        if config.empty or config.broken:
            return []
        user, held = _norm(user_id), self._ledger.held()
        return self._uses(config, user, _sum(held, user), _sum(held, None))

    def table(self, visible_to: str | None = None) -> list[BudgetRow]:
        """Budget use per user (all, or only `visible_to`) and overall, with the month projected."""
        config, now = self.config(), self._clock()
        spent = self._store.spend_by_user(month_window(now, config.token_rates()))
        by_user = {u: (Decimal(str(d)), Decimal(str(m))) for u, d, m in spent.itertuples(index=False)}
        held = self._ledger.held()
        named = {self._name(u) for u in by_user}  # configured users seen under their key already
        users = sorted(set(by_user) | (set(config.users) - named), key=lambda u: (self._name(u), u))
        if visible_to is not None:
            users = [u for u in users if u == _norm(visible_to)] or [_norm(visible_to)]
        rows = [self._row(u, *by_user.get(u, (ZERO, ZERO)), _sum(held, u), config, now) for u in users]
        total_day, total_month = (sum((v[i] for v in by_user.values()), ZERO) for i in (0, 1))
        return rows + [self._row(None, total_day, total_month, _sum(held, None), config, now)]

    def spend_alerts(self, since, until, user_id: str | None = None) -> list[SpendAlert]:
        """Hours in [since, until) a user spent over `alert_multiple` x their usual rate."""
        user = _norm(user_id) if user_id is not None else None
        return find_alerts(self._store, self.config(), since, until, user_id=user)

    def _row(self, user, day, month, held, config, now) -> BudgetRow:
        limits = config.overall if user is None else self._limits(config, user)
        return BudgetRow(user, day + held, limits.daily_usd, month + held, limits.monthly_usd,
                         project_month(month, now) + held, None if user is None else limits.rate_per_minute)

    def _uses(self, config: BudgetConfig, user: str, held_mine: Decimal, held_all: Decimal) -> list[BudgetUse]:
        """The user's and the overall budgets with what is spent and `held` (reserved) now."""
        now = self._clock()
        spent = self._store.spend(month_window(now, config.token_rates()), user)
        mine, overall = self._limits(config, user), config.overall
        candidates = ((user, DAILY, mine.daily_usd, spent["user_day"], held_mine),
                      (user, MONTHLY, mine.monthly_usd, spent["user_month"], held_mine),
                      (None, DAILY, overall.daily_usd, spent["all_day"], held_all),
                      (None, MONTHLY, overall.monthly_usd, spent["all_month"], held_all))
        return [BudgetUse(u, period, limit, s, h, now) for u, period, limit, s, h in candidates if limit is not None]

    def _limits(self, config: BudgetConfig, user: str):
        return config.user_limits(self._name(user))


def _sum(held: list[tuple[str, Decimal]], user: str | None) -> Decimal:
    return sum((amount for who, amount in held if user is None or who == user), ZERO)


def _norm(user_id: str) -> str:
    return user_id.strip().lower()
