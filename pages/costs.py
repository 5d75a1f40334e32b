"""`/costs?from=YYYY-MM-DD&to=YYYY-MM-DD`: what was spent, on what, by whom, and what dedup saved.

Thin: the logic is in ui/costs.py and ui/charts.py.
"""
from ui.auth import require_viewer
from ui.costs import show_costs
from ui.guard import run_guarded, storage_notice
from ui.nav import ensure_app_navigation
from ui.vault import get_vault

ensure_app_navigation()
run_guarded(lambda: show_costs(storage_notice(get_vault()), require_viewer()), "costs page")
