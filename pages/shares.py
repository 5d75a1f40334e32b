"""`/shares`: the viewer's share links (views, last viewed, Revoke); admins also switch sharing off.

Thin: the logic is in ui/shares.py.
"""
from ui.auth import require_viewer
from ui.guard import run_guarded
from ui.nav import ensure_app_navigation
from ui.shares import show_shares
from ui.vault import get_vault

ensure_app_navigation()
run_guarded(lambda: show_shares(get_vault(), require_viewer()), "shares page")
