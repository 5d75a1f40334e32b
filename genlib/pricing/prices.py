"""What a generation cost, in exact Decimal dollars, and where that price came from.

Order: offline demo models (free) > the user's TOML prices file > genai-prices' bundled snapshot
(never updated over the network) > unpriced (`cost_usd=None`, never a fake $0). Usage out of range
(a clamped bucket, see `usage.out_of_range`) is always unpriced, and its price_source says why.

Prices file (TOML, floats read as exact Decimals; full example in prices.example.toml)::

    [models."my-local-model"]       # model id, case-insensitive; a "*" makes it a glob
    input_per_mtok = 0.15           # $/million uncached input tokens   } both needed
    output_per_mtok = 0.60          # $/million visible output tokens   } for text
    cache_read_per_mtok = 0.075     # optional; cache_write_per_mtok too (default: input rate)
    reasoning_per_mtok = 0.60       # optional; image_per_mtok too (default: output rate)
    per_image = 0.04                # image kind: $ per image, plus any token rates given
    provider = "localhost:11434"    # optional: only for this endpoint host (or a list)
"""
from __future__ import annotations

import threading
import tomllib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Callable

import genai_prices
from genai_prices import Usage
from genai_prices.data_snapshot import get_snapshot

from ..config import OFFLINE_IMAGE_MODEL, OFFLINE_MODEL
from ..settingsdoc import PRICES, FileDocument, SettingsDocument
from ..records import IMAGE, TokenBuckets
from .usage import MAX_BUCKET_TOKENS, MTOK, out_of_range

ZERO = Decimal(0)
_RATE_KEYS = ("input_per_mtok", "cache_read_per_mtok", "cache_write_per_mtok", "output_per_mtok",
              "reasoning_per_mtok", "image_per_mtok", "per_image")
# Hosts genai-prices can't infer from its api_pattern list (openrouter.ai without "api.").
_HOST_PROVIDERS = {"api.openai.com": "openai", "openrouter.ai": "openrouter", "api.openrouter.ai": "openrouter"}


@dataclass(frozen=True)
class Price:
    """A cost in USD (None = unpriced) and a human-readable source for the price_source column."""

    cost_usd: Decimal | None
    source: str | None


UNPRICED = Price(None, None)
OUT_OF_RANGE = Price(None, f"unpriced: the provider reported {MAX_BUCKET_TOKENS:,} tokens or more of one kind "
                           "(out of range; the counts shown are clamped)")


@dataclass(frozen=True)
class FileRate:
    """One `[models."..."]` entry of the prices file."""

    rates: dict[str, Decimal]
    providers: tuple[str, ...] = ()

    def applies_to(self, host: str | None) -> bool:
        return not self.providers or (host or "").lower() in self.providers

    def cost(self, b: TokenBuckets, kind: str, n_images: int) -> Decimal | None:
        per_image = self.rates.get("per_image")
        if kind == IMAGE and per_image is not None:
            return per_image * max(0, n_images) + self._token_cost(b)
        if "input_per_mtok" not in self.rates or "output_per_mtok" not in self.rates:
            return None
        if kind == IMAGE and not b.total and any(self.rates.values()):
            return None  # no usage came back: an honest "unpriced" beats a made-up $0
        return self._token_cost(b)

    def _token_cost(self, b: TokenBuckets) -> Decimal:
        r = self.rates
        inp, out = r.get("input_per_mtok", ZERO), r.get("output_per_mtok", ZERO)
        total = (b.input_tokens * inp + b.cache_read_tokens * r.get("cache_read_per_mtok", inp)
                 + b.cache_write_tokens * r.get("cache_write_per_mtok", inp) + b.output_tokens * out
                 + b.reasoning_tokens * r.get("reasoning_per_mtok", out)
                 + b.image_tokens * r.get("image_per_mtok", out))
        return total / MTOK


def _rate(value: object) -> Decimal:
    ok = isinstance(value, (int, Decimal)) and not isinstance(value, bool)
    if not ok or not Decimal(value).is_finite() or value < 0:
        raise ValueError(f"{value!r} is not a finite, non-negative number")
    return Decimal(value)


def _parse_entry(raw: object) -> FileRate:
    if not isinstance(raw, dict):
        raise ValueError("must be a table of prices")
    unknown = sorted(set(raw) - set(_RATE_KEYS) - {"provider"})
    if unknown or not set(raw) & set(_RATE_KEYS):  # a typo must not silently price at $0
        raise ValueError(f"unknown key(s) {', '.join(unknown)}" if unknown else "gives no price")
    rates = {key: _rate(raw[key]) for key in _RATE_KEYS if key in raw}
    hosts = raw.get("provider", [])
    hosts = [hosts] if isinstance(hosts, str) else hosts
    if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
        raise ValueError("provider must be a host string or a list of them")
    return FileRate(rates, tuple(h.strip().lower() for h in hosts))


def parse_prices(data: dict, name: str) -> tuple[dict[str, FileRate], list[str]]:
    """Entries by lower-cased model id (or glob) from parsed TOML, and one message per bad entry."""
    models = data.get("models", {})
    if not isinstance(models, dict):
        return {}, [f"{name}: 'models' must be a table"]
    entries, problems = {}, [f"{name}: unknown top-level key {k!r}" for k in data if k != "models"]
    for model, raw in models.items():
        try:
            entries[model.strip().lower()] = _parse_entry(raw)
        except ValueError as exc:
            problems.append(f"{name}: models.{model!r} {exc}")
    return entries, problems


class Pricer:
    """Prices generations; thread-safe; re-reads the prices file when it changes on disk."""

    def __init__(self, prices_file: Path | Callable[[], SettingsDocument] | None = None):
        """`prices_file`: the file (the embedded default), None (no overrides), or a callable giving
        the current prices document (a SettingsStore's, e.g. the database's, shared by every replica)."""
        if isinstance(prices_file, (str, Path)):
            prices_file = FileDocument(PRICES, Path(prices_file)).current
        self._source = prices_file
        self._lock = threading.Lock()
        self._version: str | None = None
        self._label = "prices"
        self._entries: dict[str, FileRate] = {}
        self._file_problems, self._calc_problems = [], []
        self._resolved: dict[tuple[str, str], tuple | None] = {}
        self._snapshot = get_snapshot()

    @property
    def problems(self) -> list[str]:
        """Readable messages about the prices file (and prices genai-prices refused)."""
        self._refresh()
        return self._file_problems + self._calc_problems

    def snapshot_label(self) -> str:
        return f"genai-prices {genai_prices.__version__}"

    def price(self, model: str, provider_host: str, buckets: TokenBuckets, kind: str,
              when: datetime | None = None, n_images: int = 0) -> Price:
        """The cost of one generation; `Price(None, None)` when nobody knows the price."""
        if out_of_range(buckets):
            return OUT_OF_RANGE
        return self._price(model, provider_host, buckets, kind, when, n_images, need_usage=True)

    def estimate_range(self, model: str, provider_host: str, input_tokens: int, max_output_tokens: int,
                       kind: str, n_images: int = 1) -> tuple[Decimal, Decimal] | None:
        """(input only [+ per-image], input + max output) before sending; None when unpriced."""
        inp, out = max(0, int(input_tokens or 0)), max(0, int(max_output_tokens or 0))
        most = {"image_tokens": out} if kind == IMAGE else {"output_tokens": out}
        low, high = (self._price(model, provider_host, TokenBuckets(input_tokens=inp, **extra), kind, None,
                                 n_images, need_usage=False).cost_usd for extra in ({}, most))
        return None if low is None or high is None else (low, high)

    def is_priced(self, model: str, provider_host: str) -> bool:
        if _is_offline(model, provider_host) or self._file_rate(model, provider_host):
            return True
        return self._resolve(model, provider_host) is not None

    def _price(self, model, host, buckets, kind, when, n_images, need_usage) -> Price:
        if _is_offline(model, host):
            return Price(ZERO, "offline demo (free)")
        rate = self._file_rate(model, host)
        if rate is not None and (cost := rate.cost(buckets, kind, n_images)) is not None:
            return Price(cost, f"prices file {self._label}" if self._label.endswith(".toml") else
                         "prices table (database)")
        found = self._resolve(model, host)
        if found is None or (need_usage and kind == IMAGE and not buckets.total):
            return UNPRICED  # token-priced images with no usage reported: don't claim $0
        provider, info, label = found
        try:
            calc = info.calc_price(_genai_usage(buckets), provider, genai_request_timestamp=when)
        except (ValueError, ArithmeticError) as exc:
            if len(self._calc_problems) < 20:  # bounded: this runs per generation
                self._calc_problems.append(f"genai-prices could not price {model!r}: {exc}")
            return UNPRICED
        return Price(calc.total_price, f"{self.snapshot_label()} ({label})")

    def _file_rate(self, model: str, host: str) -> FileRate | None:
        entries = self._refresh()
        name = (model or "").lower()
        rate = entries.get(name)
        if rate is not None and rate.applies_to(host):
            return rate
        for pattern, rate in entries.items():
            if "*" in pattern and fnmatchcase(name, pattern) and rate.applies_to(host):
                return rate
        return None

    def _refresh(self) -> dict[str, FileRate]:
        """The document's entries, re-parsed when its version changed (a file: one stat per call)."""
        if self._source is None:
            return self._entries
        try:
            doc = self._source()
        except (OSError, UnicodeDecodeError) as exc:
            self._file_problems = [f"can't read the prices ({exc}); the last ones read stay in force"]
            return self._entries
        if doc.version != self._version:
            with self._lock:
                self._load(doc)
        return self._entries

    def _load(self, doc: SettingsDocument) -> None:
        self._label = doc.path.name if doc.path else "prices table"
        entries, problems = {}, []
        if doc.text is not None:  # none saved just means "no overrides"
            try:
                data = tomllib.loads(doc.text, parse_float=Decimal)
                entries, problems = parse_prices(data, self._label)
            except tomllib.TOMLDecodeError as exc:
                problems = [f"{self._label}: can't read the prices ({exc}); its prices are ignored"]
        self._entries, self._file_problems, self._version = entries, problems, doc.version

    def _resolve(self, model: str, host: str) -> tuple | None:
        """(provider, model info, label) from genai-prices, cached per (model, host)."""
        snapshot = get_snapshot()
        if snapshot is not self._snapshot:  # someone swapped the snapshot: cached infos are stale
            self._snapshot, self._resolved = snapshot, {}
        key = (model, host or "")
        if key not in self._resolved:
            self._resolved[key] = _lookup(snapshot, *key) if model else None
        return self._resolved[key]


def _is_offline(model: str, host: str | None) -> bool:
    return model in (OFFLINE_MODEL, OFFLINE_IMAGE_MODEL) or host == "offline"


def _lookup(snapshot, model: str, host: str) -> tuple | None:
    """(provider, model info, label) for a model served at an endpoint host, or None."""
    pid = _HOST_PROVIDERS.get(host.lower().split(":")[0])
    if pid is None and host:
        try:  # other clouds (Anthropic, Groq, Azure...) by genai-prices' own api_pattern list
            pid = snapshot.find_provider(None, None, f"https://{host.lower()}").id
        except LookupError:
            pass
    # A local or unknown endpoint serving an OpenAI model id is priced at OpenAI's rates (and
    # the source says so); any other model there stays unpriced rather than guessed.
    label = pid or (f"openai rates, via {host}" if host else "openai")
    try:
        provider, info = snapshot.find_provider_model(model, None, pid or "openai", None)
    except LookupError:
        return None
    return provider, info, label


def _genai_usage(b: TokenBuckets) -> Usage:
    """genai-prices Usage: its input_tokens INCLUDES cache reads/writes and its output_tokens
    INCLUDES reasoning and image output; the sub-counts get their own rate where the model has one."""
    details = {"cache_read_tokens": b.cache_read_tokens, "cache_write_tokens": b.cache_write_tokens,
               "output_reasoning_tokens": b.reasoning_tokens, "output_image_tokens": b.image_tokens}
    return Usage(input_tokens=b.input_tokens + b.cache_read_tokens + b.cache_write_tokens,
                 output_tokens=b.output_tokens + b.reasoning_tokens + b.image_tokens,
                 **{k: v for k, v in details.items() if v})
