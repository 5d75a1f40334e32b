"""The budgets document: spend limits per user and overall, the rate limit, unpriced models, alerts.

TOML (full example in budgets.example.toml), a file or the database's (settingsdoc.py), re-read
when it changes, like the prices. A file
that can't be used is never read as "no limits": the last good version stays in force and, when
there is none, `BudgetConfig.broken` says why and generations are refused until it is fixed. A
blank file (nothing but comments and blank lines) says nothing, so it counts as no file at all.
"""
from __future__ import annotations

import threading
import tomllib
from dataclasses import astuple, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable

from ..settingsdoc import BUDGETS, FileDocument, SettingsDocument
from ..pricing.usage import MTOK
from ..validate import MAX_TOKENS

USD_KEYS = ("daily_usd", "monthly_usd")
USER_KEYS = (*USD_KEYS, "rate_per_minute")
TOP_KEYS = ("overall", "default_user", "users", "unpriced", "alert_multiple", "alert_min_usd",
            "default_max_tokens", "retention")  # [retention]: genlib/retention/policy.py reads it
FALLBACK_KEYS = ("fallback_input_per_mtok", "fallback_output_per_mtok")
MAX_USD = Decimal(1_000_000_000)
MISSING, BLANK, READ = "missing", "blank", "read"  # BudgetFile.state when nothing is wrong with it


@dataclass(frozen=True)
class Limits:
    """One table's limits; None means "no limit here"."""

    daily_usd: Decimal | None = None
    monthly_usd: Decimal | None = None
    rate_per_minute: int | None = None

    def over(self, base: "Limits") -> "Limits":
        """These limits, each missing one taken from `base` (a user's table over [default_user])."""
        return Limits(*(mine if mine is not None else theirs for mine, theirs in zip(astuple(self), astuple(base))))


@dataclass(frozen=True)
class Fallback:
    """$/million tokens for models nobody has a price for (input; output, reasoning and image)."""

    input_per_mtok: Decimal
    output_per_mtok: Decimal


@dataclass(frozen=True)
class BudgetConfig:
    overall: Limits = Limits()
    default_user: Limits = Limits()
    users: dict[str, Limits] = field(default_factory=dict)  # keys lower-cased
    unpriced: str | Fallback = "refuse"  # "refuse" | "allow" | Fallback
    alert_multiple: Decimal | None = None
    alert_min_usd: Decimal = Decimal(1)
    default_max_tokens: int = 4096
    broken: str | None = None  # why no usable budgets exist; every generation is refused

    def user_limits(self, user_id: str) -> Limits:
        return self.users.get(user_id.strip().lower(), Limits()).over(self.default_user)

    def has_budget(self, user_id: str) -> bool:
        """True when a spend limit (the user's own or the overall one) applies to this user."""
        mine = self.user_limits(user_id)
        limits = (mine.daily_usd, mine.monthly_usd, self.overall.daily_usd, self.overall.monthly_usd)
        return any(v is not None for v in limits)

    @property
    def fallback_rates(self) -> tuple[Decimal, Decimal]:
        """$/million tokens (input, output) for unpriced rows: zero unless a fallback is configured."""
        if isinstance(self.unpriced, Fallback):
            return self.unpriced.input_per_mtok, self.unpriced.output_per_mtok
        return Decimal(0), Decimal(0)

    def token_rates(self) -> dict[str, Decimal]:
        """The fallback rates per token (`fin`, `fout`) unpriced rows count at in budget spend."""
        fin, fout = self.fallback_rates
        return {"fin": fin / MTOK, "fout": fout / MTOK}

    @property
    def empty(self) -> bool:
        no_limits = all(v is None for v in (*astuple(self.overall), *astuple(self.default_user)))
        return no_limits and not self.users and self.alert_multiple is None and self.broken is None


def _number(value: object, where: str, whole: bool = False) -> Decimal | int:
    ok = isinstance(value, (int, Decimal)) and not isinstance(value, bool)
    if not ok or not Decimal(value).is_finite() or value < 0 or value > MAX_USD:
        raise ValueError(f"{where} must be a number from 0 to {MAX_USD:,}, not {value!r}")
    if whole and Decimal(value) != int(value):
        raise ValueError(f"{where} must be a whole number, not {value}")
    return int(value) if whole else Decimal(value)


def _limits(raw: object, where: str, keys: tuple[str, ...]) -> Limits:
    if not isinstance(raw, dict):
        raise ValueError(f"[{where}] must be a table")
    unknown = sorted(set(raw) - set(keys))
    if unknown:  # a typo must not silently leave someone without a limit
        raise ValueError(f"[{where}] has unknown key(s) {', '.join(unknown)} (allowed: {', '.join(keys)})")
    values = {k: _number(raw[k], f"{where}.{k}", whole=k == "rate_per_minute") for k in keys if k in raw}
    return Limits(**values)


def _unpriced(raw: object) -> str | Fallback:
    if raw in ("refuse", "allow"):
        return raw
    if isinstance(raw, dict) and set(raw) == set(FALLBACK_KEYS):
        return Fallback(*(_number(raw[k], f"unpriced.{k}") for k in FALLBACK_KEYS))
    raise ValueError('unpriced must be "refuse", "allow" or a table with '
                     f"{' and '.join(FALLBACK_KEYS)}")


def parse_budgets(data: dict) -> BudgetConfig:
    """A BudgetConfig from parsed TOML; ValueError naming the first problem."""
    unknown = sorted(set(data) - set(TOP_KEYS))
    if unknown:
        raise ValueError(f"unknown top-level key(s) {', '.join(unknown)}")
    users = data.get("users", {})
    if not isinstance(users, dict):
        raise ValueError("[users] must be a table of tables, e.g. [users.\"ana@example.com\"]")
    if len({u.strip().lower() for u in users}) < len(users):
        raise ValueError("[users] lists a user twice (ids are case-insensitive)")
    config = dict(
        overall=_limits(data.get("overall", {}), "overall", USD_KEYS),
        default_user=_limits(data.get("default_user", {}), "default_user", USER_KEYS),
        users={u.strip().lower(): _limits(t, f'users."{u}"', USER_KEYS) for u, t in users.items()},
        unpriced=_unpriced(data.get("unpriced", "refuse")))
    if "alert_multiple" in data:
        config["alert_multiple"] = _number(data["alert_multiple"], "alert_multiple")
    if "alert_min_usd" in data:
        config["alert_min_usd"] = _number(data["alert_min_usd"], "alert_min_usd")
    if "default_max_tokens" in data:
        config["default_max_tokens"] = _max_tokens(data["default_max_tokens"])
    return BudgetConfig(**config)


def _max_tokens(value: object) -> int:
    """Sent upstream as max_tokens, so held to the bound a request itself is held to."""
    tokens = max(1, _number(value, "default_max_tokens", whole=True))
    if tokens > MAX_TOKENS:
        raise ValueError(f"default_max_tokens must be at most {MAX_TOKENS:,} (the most a request may ask "
                         f"for), not {tokens:,}")
    return tokens


def read_budgets_toml(text: str) -> dict:
    """The TOML table (floats as exact Decimals; a leading UTF-8 BOM is ignored); ValueError if invalid."""
    try:
        return tomllib.loads(text.removeprefix("\ufeff"), parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"not valid TOML ({exc})") from None


def parse_budgets_text(text: str) -> BudgetConfig:
    """Parse TOML text; ValueError on any problem."""
    return parse_budgets(read_budgets_toml(text))


class BudgetFile:
    """The budgets document in force, re-parsed when its version changes; thread-safe.

    `source` is the file (a Path: the embedded default) or a callable giving the current
    `SettingsDocument` (the SettingsStore's, e.g. the database's, shared by every replica)."""

    def __init__(self, source: Path | Callable[[], SettingsDocument]):
        if isinstance(source, (str, Path)):
            source = FileDocument(BUDGETS, Path(source)).current
        self.source = source
        self._lock = threading.Lock()
        self._version: str | None = None  # None = never read
        self._good: BudgetConfig | None = None
        self._config = BudgetConfig()
        self.problem: str | None = None  # why the document in storage is not the one in force
        self.state = MISSING  # MISSING, BLANK or READ: what the last usable look at it found
        self.document: SettingsDocument | None = None  # the last one looked at

    @property
    def path(self) -> Path | None:
        """The file, when the budgets are kept in one."""
        return self.document.path if self.document else None

    @property
    def where(self) -> str:
        return self.document.where if self.document else "budgets"

    def config(self) -> BudgetConfig:
        try:
            doc = self.source()
        except (OSError, UnicodeDecodeError) as exc:  # unreadable: as an invalid document
            with self._lock:
                self._refuse(f"The {self.where} can't be read: {exc}.")
            return self._config
        if doc.version != self._version or doc is not self.document:
            with self._lock:
                self._load(doc)
        return self._config

    def _load(self, doc: SettingsDocument) -> None:
        self.document = doc
        if doc.version == self._version and self.problem is None:
            return
        if doc.text is None:  # none saved: no budgets (deleting the file is how to remove them all)
            self._good, self._config, self.problem, self.state = None, BudgetConfig(), None, MISSING
        else:
            try:
                data = read_budgets_toml(doc.text)
                # A blank document sets nothing, like none; the Costs page tells the two apart.
                self._good = parse_budgets(data) if data else None
                self._config, self.problem = self._good or BudgetConfig(), None
                self.state = READ if data else BLANK
            except ValueError as exc:
                self._refuse(f"The {doc.where} can't be used: {exc}.")
        self._version = doc.version

    def _refuse(self, problem: str) -> None:
        """Fail closed: keep the last good limits, or refuse everything if there are none."""
        self.problem = problem
        self._config = self._good or BudgetConfig(broken=f"{problem} Generations are paused until an "
                                                          "admin fixes it.")
