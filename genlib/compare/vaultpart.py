"""The Vault's comparison verbs (mixed into `Vault`): start a group, read it, stop it, pick, rank.

Each panel is a normal generation (`Vault.start`: its own id and URL, dedup, crash safety); the
budget admits the panels together (budgets/group.py) before any of them starts, and the group's
row is saved once every panel's pending row is. A user sees only their own groups (admins: None).
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Sequence

from ..clock import utcnow
from ..errors import BadRequest, NotFound
from ..ids import looks_like_id, new_id
from ..records import TEXT, GenerationRequest
from ..validate import check_request
from .model import MAX_PANELS, MIN_PANELS, CompareGroup, Panel, Standing, check_pick, leaderboard

LEADERBOARD_GROUPS = 10_000  # the newest picked groups a leaderboard reads


class Comparisons:
    def compare_requests(self, prompt: str, system_prompt: str | None, panels: Sequence[Panel],
                         user_id: str) -> list[GenerationRequest]:
        """Each panel's request as it will be sent (validated; max_tokens bound under a budget)."""
        if not MIN_PANELS <= len(panels) <= MAX_PANELS:
            raise BadRequest(f"Compare {MIN_PANELS} to {MAX_PANELS} models (got {len(panels)}).")
        return [self.budgets.bound(check_request(GenerationRequest(prompt, p.model, TEXT, system_prompt or None,
                                                                   dict(p.params or {}))), user_id)
                for p in panels]

    def compare_estimate(self, requests: Sequence[GenerationRequest]) -> tuple[Decimal, Decimal, list[str]]:
        """(low, high) total cost before sending, and the models with no known price (left out)."""
        low = high = Decimal(0)
        unpriced = []
        for request in requests:
            found = self.estimate_cost(request)
            if found is None:
                unpriced.append(request.model)
            else:
                low, high = low + found[0], high + found[1]
        return low, high, unpriced

    def compare_start(self, prompt: str, system_prompt: str | None, panels: Sequence[Panel], user_id: str,
                      blind: bool = False) -> str:
        """Admit every panel together (or none: BudgetExceeded / RateLimited), start each, save the group."""
        if not isinstance(user_id, str) or not user_id.strip():
            raise BadRequest("Every comparison needs a user id.")
        requests = self.compare_requests(prompt, system_prompt, panels, user_id)
        group_id, started = new_id(), []
        self.budgets.admit_group(group_id, user_id, requests)
        try:
            with self.budgets.prepaid():
                for request in requests:
                    started.append(self.start(request, user_id))
            self.store.comparisons().create(CompareGroup(
                group_id, user_id, utcnow(), requests[0].prompt, requests[0].system_prompt,
                tuple(Panel(r.model, r.params, g) for r, g in zip(requests, started)), bool(blind)))
        except BaseException:
            for gen_id in started:  # the group is not saved: don't leave its panels running
                self.cancel(gen_id)
            raise
        finally:
            self.budgets.release(group_id)  # each started panel now holds its own share
        return group_id

    def compare_get(self, group_id: str, user_id: str | None = None) -> CompareGroup | None:
        """The group, or None when malformed, unknown or not user_id's (None: an admin sees all)."""
        if not looks_like_id(group_id):
            return None
        group = self.store.comparisons().get(group_id)
        return group if group is not None and user_id in (None, group.user_id) else None

    def compare_of(self, gen_id: str, user_id: str | None = None) -> CompareGroup | None:
        """The comparison a generation is a panel of (None if none, or not visible to user_id)."""
        if not looks_like_id(gen_id):
            return None
        group = self.store.comparisons().of_generation(gen_id)
        return group if group is not None and user_id in (None, group.user_id) else None

    def compare_cancel(self, group_id: str, user_id: str | None = None, index: int | None = None) -> int:
        """Stop every panel (or the one at `index`), keeping their text; how many were running."""
        group = self._visible_group(group_id, user_id)
        ids = group.generation_ids if index is None else [group.generation_ids[index]]
        return sum(1 for gen_id in ids if self.cancel(gen_id))

    def compare_pick(self, group_id: str, pick: str, user_id: str | None, by: str) -> CompareGroup:
        """Save the better panel ("0".."5") or "tie", once every panel has ended; the group as saved."""
        group = self._visible_group(group_id, user_id)
        try:
            pick = check_pick(group, pick)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        if any((g := self.get(gen_id)) is not None and g.is_live for gen_id in group.generation_ids):
            raise BadRequest("Wait until every answer has finished (or stop them) before picking.")
        if not self.store.comparisons().pick(group.id, pick, by, utcnow()):
            raise BadRequest("This comparison was already picked (in another tab?); reload to see the pick.")
        return self.store.comparisons().get(group.id)

    def compare_recent(self, user_id: str | None, since: datetime | None = None, until: datetime | None = None,
                       limit: int = 50) -> list[CompareGroup]:
        return self.store.comparisons().recent(user_id, since, until, max(1, min(int(limit), LEADERBOARD_GROUPS)))

    def compare_leaderboard(self, user_id: str | None, since: datetime | None = None,
                            until: datetime | None = None) -> list[Standing]:
        """Per model wins, losses, ties and Elo over the picks of user_id's groups (None: everyone's)."""
        return leaderboard(self.compare_recent(user_id, since, until, LEADERBOARD_GROUPS))

    def _visible_group(self, group_id: str, user_id: str | None) -> CompareGroup:
        group = self.compare_get(group_id, user_id)
        if group is None:
            raise NotFound(f"Comparison {group_id} not found.")
        return group
