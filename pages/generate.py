"""`/generate`: the form; `/generate?id=<id>`: that generation, live while it runs.

Thin: the form is ui/compose.py, the generation page ui/generation.py.
"""
import streamlit as st

from ui.auth import require_viewer
from ui.compose import show_form
from ui.generation import show_generation
from ui.guard import run_guarded, storage_notice
from ui.nav import ensure_app_navigation
from ui.vault import get_vault


def main() -> None:
    vault, viewer = storage_notice(get_vault()), require_viewer()
    gen_id = st.query_params.get("id")
    if gen_id is None:
        show_form(vault, viewer)
    else:
        show_generation(vault, viewer, gen_id)


ensure_app_navigation()
run_guarded(main, "generate page")
