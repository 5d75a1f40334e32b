"""Test helpers: a Vault on a temp data dir talking to a FakeProvider through the real SDK."""
from __future__ import annotations

from pathlib import Path

from genlib import Settings, Vault


def make_vault(data_dir: Path, fake=None, **overrides) -> Vault:
    values = dict(data_dir=Path(data_dir), flush_interval_s=0.05, max_retries=0, request_timeout_s=10.0,
                  offline_tokens_per_s=5000.0)
    if fake is not None:
        values.update(base_url=fake.base_url, api_key="test-key")
    values.update(overrides)
    return Vault(Settings(**values))
