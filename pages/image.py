"""`/image?id=<id>`: an image generation's picture alone, with a download link.

Thin: the logic is in ui/images.py.
"""
import streamlit as st

from ui.auth import require_viewer
from ui.guard import run_guarded
from ui.images import show_image_page
from ui.nav import ensure_app_navigation
from ui.vault import get_vault

ensure_app_navigation()
run_guarded(lambda: show_image_page(get_vault(), require_viewer(), st.query_params.get("id")), "image page")
