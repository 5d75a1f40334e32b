"""`/batch` and `/batch?id=<job id>`: run a prompt template over a table; one job's progress and results.

Thin: the logic is in ui/batch.py and ui/batchjob.py.
"""
from ui.auth import require_viewer
from ui.batch import show_batch
from ui.guard import run_guarded
from ui.nav import ensure_app_navigation
from ui.vault import get_vault

ensure_app_navigation()
run_guarded(lambda: show_batch(get_vault(), require_viewer()), "batch page")
