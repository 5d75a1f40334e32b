"""`/history?q=...&model=&status=&kind=&user=&from=&to=&page=`: search and browse generations.

Thin: the logic is in ui/history.py.
"""
from ui.auth import require_viewer
from ui.guard import run_guarded, storage_notice
from ui.history import show_history
from ui.nav import ensure_app_navigation
from ui.vault import get_vault

ensure_app_navigation()
run_guarded(lambda: show_history(storage_notice(get_vault()), require_viewer()), "history page")
