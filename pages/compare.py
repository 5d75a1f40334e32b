"""`/compare`: the form, the leaderboard and recent groups; `/compare?id=<group id>`: that group.

Thin: the logic is in ui/compare.py (the group), ui/compare_form.py and ui/compare_board.py.
"""
from ui.auth import require_viewer
from ui.compare import show_compare
from ui.guard import run_guarded
from ui.nav import ensure_app_navigation
from ui.vault import get_vault

ensure_app_navigation()
run_guarded(lambda: show_compare(get_vault(), require_viewer()), "compare page")
