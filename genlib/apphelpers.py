"""The Vault's helpers for the app and the CLI: models, follow-up requests, attached images, the cost
estimate, picture bytes, user labels and the budgets (file, config, use, alerts, the admin's edit),
so `ui/` needs only `genlib`'s public names. Mixed into `Vault`; each reads the Vault's parts.
"""
from __future__ import annotations

from pathlib import Path

from .budgets.alerts import SpendAlert
from .budgets.config import BudgetConfig, BudgetFile
from .budgets.guard import BudgetRow
from .budgets.use import BudgetUse
from .conversation import continue_request, input_tokens, regenerate_request
from .errors import NotFound
from .records import Generation, GenerationRequest
from .vision import Attachment, check_vision, from_bytes


class AppHelpers:
    def storage_problem(self) -> str | None:
        """A sentence for pages while the database or object store can't be used, else None."""
        return self.health.problem()

    def user_label(self, user_id: str) -> str:
        """What pages show for a user: their email (marked when unverified), else the id itself."""
        return self.users.label(user_id)

    @property
    def prices_file(self) -> Path:
        """The prices file (the embedded default's; with a database the prices are kept there)."""
        return self.settings.resolved_prices_file

    @property
    def prices_document(self):
        """The prices in force (a SettingsDocument: `.path` for a file, `.where` for messages); no query."""
        return self.documents.current("prices")

    @property
    def budgets_file(self) -> BudgetFile:
        """The budgets in force: `.where` (and `.path` for a file), `.state` (BUDGETS_MISSING/BLANK/READ),
        `.problem` (or None), `.document` (the SettingsDocument: version, who saved it)."""
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

    def models(self) -> list[str]:
        return self.provider.models()

    def regenerate_request(self, gen: Generation) -> GenerationRequest:
        return regenerate_request(gen, self.attachments_of(gen))

    def keep_attachments(self, request: GenerationRequest) -> None:
        """Refuse images the model can't take (before any row or call); store the bytes by sha256."""
        check_vision(request.model, request.kind, len(request.attachments), self.settings.vision_models)
        for attachment in request.attachments:  # content-addressed: kept once, before anything is sent
            self.images.save_attachment(attachment.sha256, attachment.data, attachment.mime)

    def attachments_of(self, gen: Generation) -> tuple[Attachment, ...]:
        """The images attached to gen's prompt, read back from storage (to send them again)."""
        return tuple(from_bytes(self.images.read_attachment(a.get("sha256")), "a stored attachment")
                     for a in gen.attachments)

    def attachment_bytes(self, gen: Generation, sha256: str) -> bytes:
        """One image attached to gen (the caller checked gen is visible); NotFound if it has no such one."""
        if not any(a.get("sha256") == sha256 for a in gen.attachments):
            raise NotFound("Attachment not found.")
        return self.images.read_attachment(sha256)

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
