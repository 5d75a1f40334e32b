"""One genlib `Vault` per process (and per data dir), shared by every browser session.

DuckDB allows one open per file per process, so the Vault lives in `st.cache_resource`, keyed on
the data dir; clearing the cache (tests do) closes it through `on_release`.
"""
from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from genlib import IMAGE, OFFLINE_IMAGE_MODEL, OFFLINE_MODEL, Settings, Vault, apply_thread_switch

log = logging.getLogger("genvault.ui")
IMAGE_HINTS = ("image", "dall-e", "dalle", OFFLINE_IMAGE_MODEL)


def _close(vault: Vault) -> None:
    try:
        vault.close()
    except Exception:  # noqa: BLE001 - a failed close must not break cache clearing
        log.exception("closing the vault failed")


@st.cache_resource(show_spinner=False, on_release=_close)
def _open_vault(data_dir: str) -> Vault:
    settings = Settings.from_env(data_dir=Path(data_dir))
    apply_thread_switch(settings)  # the app's process: many stream threads, one writer
    return Vault(settings)


def get_vault() -> Vault:
    """The process-wide Vault for the configured GENLIB_DATA_DIR (StorageUnavailable if it can't open)."""
    return _open_vault(str(Settings.from_env().data_dir))


def user_label(user_id: str) -> str:
    """The user as people know them: their email (the id itself for local or unknown users)."""
    return get_vault().user_label(user_id)


def looks_like_image_model(model: str) -> bool:
    lowered = model.lower()
    return any(hint in lowered for hint in IMAGE_HINTS)


def models_for(vault: Vault, kind: str) -> list[str]:
    """Every model, the likely ones for this output first (names are a hint, never a filter)."""
    models = list(dict.fromkeys(vault.models())) or [OFFLINE_MODEL, OFFLINE_IMAGE_MODEL]
    wants_image = kind == IMAGE
    return sorted(models, key=lambda m: looks_like_image_model(m) != wants_image)
