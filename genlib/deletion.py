"""Deleting generations, mixed into `Vault`: the retention policy's prune, a user deleting their own,
and the tombstone a deleted generation's page shows. Both leave the same tombstone (genlib/tombstone.py),
and the cost stays in the books: the row keeps its cost fields.
"""
from __future__ import annotations

from .budgets.config import read_budgets_toml
from .errors import BadRequest, NotFound
from .ids import looks_like_id
from .retention.policy import RetentionPolicy, parse_retention
from .retention.prune import PruneReport, prune, sweep
from .settingsdoc import BUDGETS
from .tombstone import BY_USER, Tombstone


class Deletions:
    def retention_policy(self) -> RetentionPolicy:
        """The `[retention]` table of the budgets document as saved now (none: nothing is pruned);
        read fresh, not the polled copy: a prune is rare and must follow the latest save."""
        text = self.documents.read(BUDGETS).text
        return parse_retention(read_budgets_toml(text)) if text else RetentionPolicy()

    def prune(self, dry_run: bool = False, compact: bool = False) -> PruneReport | None:
        """Apply the retention policy (dry: only count what would go). None when another process
        is pruning the same store right now. `compact` (the CLI, with nothing else running on this
        Vault): shrink the database file too (RecordStore.reclaim(full=True))."""
        policy = self.retention_policy()
        with self.store.retention_turn() as mine:
            if not mine:
                return None
            if compact:
                self.persister.flush()  # nothing of ours left to write while the file is swapped
            report = prune(self.store, self.images, self.cache, policy, self.users.budget_name, dry_run,
                           compact=compact, tags_of=self._tags_of)
        if report.count and not dry_run:
            self.recent.clear()
        return report

    def _tags_of(self, gen_ids) -> dict[str, tuple[str, ...]]:
        """The tags of those of gen_ids that carry any (none where this store keeps no marks)."""
        notes = getattr(self, "annotations", None)
        if notes is None:
            return {}
        return {gen_id: a.tags for gen_id, a in notes.annotations(list(gen_ids)).items() if a.tags}

    def _daily_prune(self) -> None:
        if self.retention_policy().active:
            self.prune()

    def delete(self, gen_id: str, user_id: str | None = None, by: str | None = None) -> Tombstone:
        """Delete one generation: `user_id`'s own (None: an admin, any). `by` names who did it (the
        user by default). NotFound if it is not visible to them; BadRequest while it runs."""
        gen = self.get(gen_id, user_id)
        if gen is None:
            raise NotFound(f"Generation {gen_id} not found.")
        if gen.is_live:
            raise BadRequest("This generation is still running: stop it first, then delete it.")
        self.store.bury([gen_id], by or user_id, BY_USER)
        self.recent.clear()
        sweep(self.store, self.images, self.cache)
        tomb = self.store.tombstone(gen_id)
        if tomb is None:  # buried by someone else meanwhile would still have one: this can't happen
            raise NotFound(f"Generation {gen_id} not found.")
        return tomb

    def tombstone(self, gen_id: str, user_id: str | None = None) -> Tombstone | None:
        """The tombstone of a deleted generation `user_id` may see (None: any), else None."""
        if not looks_like_id(gen_id):
            return None
        tomb = self.store.tombstone(gen_id)
        if tomb is None or (user_id is not None and tomb.user_id != user_id):
            return None
        return tomb

    def deleted_sentence(self, tomb: Tombstone) -> str:
        """"Deleted on <date> by the retention policy" (or by the user, shown as their email)."""
        return tomb.sentence(self.users.label)
