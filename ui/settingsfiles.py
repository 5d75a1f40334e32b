"""The admins' budgets and prices as TOML files on the Costs page: download and upload.

A download is a link to `GET /files/settings/<name>.toml` (ui/routes.py: admins only, read from the
Vault on each request, so any replica serves it), never a download button whose bytes one replica keeps in
memory. An upload replaces the document if it is valid and nobody saved since this page showed it
(`Vault.save_settings` with that version): else a clear message, and the one in force stays.
"""
from __future__ import annotations

import logging

import streamlit as st

from genlib import SETTINGS_BUDGETS, SETTINGS_PRICES, BadRequest, EditConflict, SettingsDocument, StorageUnavailable

from .auth import Viewer
from .fileurls import settings_href
from .render import md_escape

log = logging.getLogger("genvault.ui")
NAMES = (SETTINGS_BUDGETS, SETTINGS_PRICES)
SEEN = "settings_seen_{}"  # session key: the version this page showed, which an upload must still match


def settings_files(vault, viewer: Viewer) -> None:
    """An expander with each document's version, a download link and an upload (admins only)."""
    if not viewer.is_admin:
        return
    slot = st.container()  # always drawn, so the expander below keeps its place (and stays open)
    for name in NAMES:
        if (done := st.session_state.pop(f"settings_done_{name}", None)) is not None:
            slot.success(done, icon=":material/check:")
    with st.expander("Budgets and prices files (admins)"):
        for name in NAMES:
            try:
                _one(vault, viewer, name)
            except StorageUnavailable as exc:  # the database is away: say so, the page goes on
                st.warning(md_escape(f"The {name} can't be read right now: {exc}"), icon=":material/database:")


def _one(vault, viewer: Viewer, name: str) -> None:
    expected = st.session_state.get(SEEN.format(name))  # what the page showed before this run
    doc = vault.settings_document(name)
    st.markdown(f"**{name.capitalize()}** · {md_escape(describe(doc))}")
    uploads = st.session_state.setdefault(f"settings_uploads_{name}", 0)  # a new key empties the uploader
    upload = st.file_uploader(f"Upload a {name} file (TOML)", type=["toml"], key=f"settings_upload_{name}_{uploads}")
    left, right = st.columns(2)
    if doc.text is not None:
        left.link_button(f"Download {name}.toml", settings_href(name), icon=":material/download:")
    clicked = right.button(f"Replace the {name} with the upload", key=f"settings_import_{name}",
                           disabled=upload is None, icon=":material/upload:")
    st.session_state[SEEN.format(name)] = doc.version
    if clicked and upload is not None:
        _import(vault, viewer, name, upload.getvalue(), doc.version if expected is None else expected)


def _import(vault, viewer: Viewer, name: str, data: bytes, expected: str) -> None:
    try:
        saved = vault.save_settings(name, data, expected, by=viewer.label or viewer.user_id)
    except (BadRequest, EditConflict) as exc:
        st.error(md_escape(str(exc)), icon=":material/edit_note:")
        return
    except (StorageUnavailable, OSError) as exc:
        st.error(md_escape(f"The {name} could not be saved: {exc}"), icon=":material/database:")
        return
    log.info("%s replaced by an upload (version %s)", name, saved.version)
    st.session_state[f"settings_done_{name}"] = md_escape(f"Saved: the uploaded {name} are in force "
                                                          f"(version {saved.version}).")
    st.session_state[f"settings_uploads_{name}"] = st.session_state.get(f"settings_uploads_{name}", 0) + 1
    st.rerun()


def describe(doc: SettingsDocument) -> str:
    """"kept in the database (…), version 3, saved by ana@x at 2026-11-30 10:00 UTC" or "none saved"."""
    if doc.text is None:
        return f"none saved yet (kept in the {doc.where})"
    who = f" by {doc.updated_by}" if doc.updated_by else ""
    when = f" at {doc.updated_at:%Y-%m-%d %H:%M} UTC" if doc.updated_at else ""
    return f"kept in the {doc.where}, version {doc.version[:12]}, saved{who}{when}"
