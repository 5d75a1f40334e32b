"""The Vault's helpers for the app and the CLI: models, follow-up requests, the cost estimate, picture
bytes, user labels and the budgets (file, config, use, alerts, the admin's edit), so `ui/` needs only
`genlib`'s public names. Mixed into `Vault`; each reads the Vault's parts.
"""
from __future__ import annotations

from pathlib import Path

from .budgets.alerts import SpendAlert
from .budgets.config import BudgetConfig, BudgetFile
from .budgets.edit import set_limit
from .budgets.guard import BudgetRow
from .budgets.use import BudgetUse
from .conversation import continue_request, input_tokens, regenerate_request
from .errors import NotFound
from .records import Generation, GenerationRequest


class AppHelpers:
    def user_label(self, user_id: str) -> str:
        """What pages show for a user: their email (marked when unverified), else the id itself."""
        return self.users.label(user_id)

    @property
    def prices_file(self) -> Path:
        """Where prices for models genai-prices doesn't know are read from."""
        return self.settings.resolved_prices_file

    @property
    def budgets_file(self) -> BudgetFile:
        """The budgets file: `.path`, `.state` (BUDGETS_MISSING/BLANK/READ), `.problem` (or None)."""
        return self.budgets.file

    def budget_config(self) -> BudgetConfig:
        return self.budgets.config()

    def budget_usage(self, user_id: str) -> list[BudgetUse]:
        """The budgets that apply to this user (theirs, then the overall ones), as they stand."""
        return self.budgets.usage(user_id)

    def budget_table(self, visible_to: str | None = None) -> list[BudgetRow]:
        """Budget use per user (all, or only `visible_to`) and overall, with the month projected."""
        return self.budgets.table(visible_to)

    def spend_alerts(self, since, until, user_id: str | None = None) -> list[SpendAlert]:
        """Hours in [since, until) a user spent over `alert_multiple` x their usual rate."""
        return self.budgets.spend_alerts(since, until, user_id)

    def set_budget_limit(self, user_id: str | None, key: str, value) -> None:
        """Change one limit in the budgets file, keeping its comments (None: overall, "*": each user)."""
        set_limit(self.budgets.file.path, user_id, key, value)

    def models(self) -> list[str]:
        return self.provider.models()

    def regenerate_request(self, gen: Generation) -> GenerationRequest:
        return regenerate_request(gen)

    def continue_request(self, gen: Generation, prompt: str) -> GenerationRequest:
        return continue_request(gen, prompt)

    def estimate_cost(self, request: GenerationRequest):
        """(low, high) USD before submitting, or None when the model is unpriced."""
        max_out = int(request.params.get("max_tokens") or 4096)
        return self.pricer.estimate_range(request.model, self.provider.host, input_tokens(request), max_out,
                                          request.kind, n_images=int(request.params.get("n") or 1))

    def image_bytes(self, relpath: str) -> bytes:
        """A saved picture or thumbnail (a path from `Generation.images`); NotFound if missing."""
        return self.images.read(relpath)

    def image_url(self, relpath: str) -> str | None:
        """Where a browser may fetch the picture directly, or None (serve `image_bytes`)."""
        return self.images.url(relpath)

    def image_file(self, relpath: str) -> Path:
        """The picture's file on this machine (local image store only; NotFound otherwise)."""
        path = self.images.local_path(relpath)
        if path is None:
            raise NotFound("The image store keeps no local files.")
        return path
