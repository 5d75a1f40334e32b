"""Settings read from the environment: where data lives, which endpoint to call, cache TTL.

Every knob GenVault has is an environment variable (documented in the README); this module
is the only place that reads them, so tests can build a `Settings` directly.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_MODELS = ("gpt-4o-mini", "gpt-4.1-mini", "gpt-image-1")
OFFLINE_MODEL = "offline-demo"
OFFLINE_IMAGE_MODEL = "offline-demo-image"


def _float_env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        return default


@dataclass(frozen=True)
class Settings:
    """Resolved configuration; `offline` is true when neither a key nor a base URL is set."""

    data_dir: Path
    api_key: str | None = field(default=None, repr=False)  # never in a repr, log line or traceback
    base_url: str | None = None
    extra_models: tuple[str, ...] = DEFAULT_MODELS
    cache_ttl_s: float = 3600.0
    flush_interval_s: float = 0.2
    prices_file: Path | None = None
    budgets_file: Path | None = None
    # GENLIB_TIMEOUT_S: connect timeout (capped at 10 s), the wait for the answer's headers, and an
    # overall deadline: the first token must come within this of sending, and each next one within
    # this of the last, however many bytes trickle in between (see providers.TextStream)
    request_timeout_s: float = 600.0
    max_retries: int = 2
    offline_tokens_per_s: float = 40.0
    gil_switch_ms: float = 1.0
    # Sign in users whose IdP sends no email_verified claim at all (never admin, no per-email
    # budget); an explicit email_verified=false is refused whatever this says.
    allow_unverified_email: bool = False
    dedup_scope: str = "user"  # "user": each user's own cache; "shared": one cache for the whole team
    vision_models: tuple[str, ...] = ()  # GENLIB_VISION_MODELS: more models that accept images (name or prefix*)
    # A team deployment (docs/DEPLOY.md): one URL per concern; None keeps the embedded default (the
    # DuckDB file, image files and diskcache under data_dir). Never in a repr: they may hold passwords.
    database_url: str | None = field(default=None, repr=False)  # postgresql://…[?schema=name]
    blob_url: str | None = field(default=None, repr=False)  # s3://bucket/prefix (AWS_* variables)
    redis_url: str | None = field(default=None, repr=False)  # redis://…[?prefix=name:]

    @property
    def offline(self) -> bool:
        return not self.api_key and not self.base_url

    @property
    def db_path(self) -> Path:
        return self.data_dir / "genvault.duckdb"

    @property
    def resolved_prices_file(self) -> Path:
        return self.prices_file or (self.data_dir / "prices.toml")

    @property
    def resolved_budgets_file(self) -> Path:
        return self.budgets_file or (self.data_dir / "budgets.toml")

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        env = os.environ
        models = tuple(m.strip() for m in env.get("GENLIB_MODELS", "").split(",") if m.strip())
        values = dict(
            data_dir=Path(env.get("GENLIB_DATA_DIR", "./data")).expanduser().resolve(),
            api_key=env.get("OPENAI_API_KEY") or None,
            base_url=env.get("OPENAI_BASE_URL") or None,
            extra_models=models or DEFAULT_MODELS,
            cache_ttl_s=_float_env("GENLIB_CACHE_TTL", 3600.0),
            flush_interval_s=_float_env("GENLIB_FLUSH_MS", 200.0) / 1000.0,
            prices_file=Path(env["GENLIB_PRICES_FILE"]).expanduser() if env.get("GENLIB_PRICES_FILE") else None,
            budgets_file=Path(env["GENLIB_BUDGETS_FILE"]).expanduser() if env.get("GENLIB_BUDGETS_FILE") else None,
            request_timeout_s=_float_env("GENLIB_TIMEOUT_S", 600.0),
            offline_tokens_per_s=_float_env("GENLIB_OFFLINE_TPS", 40.0),
            gil_switch_ms=_float_env("GENLIB_GIL_SWITCH_MS", 1.0),
            allow_unverified_email=env.get("GENLIB_ALLOW_UNVERIFIED_EMAIL", "").strip().lower() in ("1", "true", "yes"),
            # anything but "shared" keeps the safe default: no user is answered from another's record
            dedup_scope="shared" if env.get("GENLIB_DEDUP_SCOPE", "").strip().lower() == "shared" else "user",
            vision_models=tuple(m.strip() for m in env.get("GENLIB_VISION_MODELS", "").split(",") if m.strip()),
            database_url=env.get("GENLIB_DATABASE_URL", "").strip() or None,
            blob_url=env.get("GENLIB_BLOB_URL", "").strip() or None,
            redis_url=env.get("GENLIB_REDIS_URL", "").strip() or None,
        )
        values.update(overrides)
        return cls(**values)


def apply_thread_switch(settings: Settings) -> None:
    """Set Python's thread switch interval to `GENLIB_GIL_SWITCH_MS` (0: leave it). Process-wide, so
    opt-in: the app calls it at start-up (ui/vault.py), a library user may. Many I/O-bound stream
    threads and one writer: with Python's default 5 ms GIL hand-off, each of
    the writer's calls into DuckDB can wait 5 ms behind busy streams, and a flush of 64 streams took
    up to a second. 1 ms keeps the crash loss window near the flush interval (docs/PERFORMANCE.md)."""
    if settings.gil_switch_ms > 0:
        sys.setswitchinterval(settings.gil_switch_ms / 1000)
