"""The Vault's tags, notes, stars, ratings and read-only share links (issue 14). Mixed into `Vault`.

`visible_to` is the viewer's user id (None: an admin, who may act on any generation); a generation
someone else owns reads as not found, so an id never tells whether it exists. The generation's own
record is never written here: marks and links live in the AnnotationStore and ShareStore.
"""
from __future__ import annotations

import copy
from dataclasses import replace
from typing import Sequence

from .clock import utcnow
from .errors import BadRequest, NotFound
from .filters import Filters
from .ids import new_id
from .marks import (MAX_TAGS, Annotation, Edit, Marks, Share, clean_note, clean_tag, expiry, looks_like_token,
                    new_token, parse_rating, passes, token_hash)
from .records import Generation


class ShareUnavailable(NotFound):
    """A share link that shows nothing; the message is what the visitor reads."""


class Curation:
    # -- tags, notes, stars, ratings --------------------------------------------------------
    def annotation(self, gen_id: str, visible_to: str | None = None) -> Annotation:
        return self._marks_role("annotations").annotation(self._visible(gen_id, visible_to).id)

    def annotate(self, gen_id: str, by: str, visible_to: str | None = None, *, add_tags: Sequence[str] = (),
                 remove_tags: Sequence[str] = (), note: str | None = None, starred: bool | None = None,
                 rating: object = None) -> Annotation:
        """Apply the changes at once, recorded as made by `by` now; NotFound if not visible_to's."""
        notes = self._marks_role("annotations")
        gen = self._visible(gen_id, visible_to)
        changes = [("tag+", clean_tag(t)) for t in add_tags] + [("tag-", clean_tag(t)) for t in remove_tags]
        current = notes.annotation(gen.id)
        kept = (set(current.tags) | {v for w, v in changes if w == "tag+"}) - {v for w, v in changes if w == "tag-"}
        if len(kept) > MAX_TAGS:
            raise BadRequest(f"A generation carries at most {MAX_TAGS} tags.")
        if note is not None:
            changes.append(("note", clean_note(note)))
        if starred is not None:
            changes.append(("star", "1" if starred else "0"))
        if rating is not None:
            changes.append(("rating", str(parse_rating(rating))))
        if not changes:
            return current
        return notes.annotate(gen.id, _who(by), utcnow(), changes)

    def annotation_history(self, gen_id: str, visible_to: str | None = None) -> list[Edit]:
        return self._marks_role("annotations").history(self._visible(gen_id, visible_to).id)

    def annotations_of(self, gen_ids: Sequence[str], visible_to: str | None = None) -> dict[str, Annotation]:
        """Marks of several generations at once (those visible_to may see; None: an admin, all)."""
        found = self._marks_role("annotations").annotations(list(gen_ids))
        if visible_to is None:
            return found
        visible = {gen.id for gen in self.get_many(list(found), visible_to)}
        return {i: a for i, a in found.items() if i in visible}

    def tags(self, visible_to: str | None = None) -> list[str]:
        """Tags in use on what visible_to sees, most used first (the tag box's suggestions)."""
        return self._marks_role("annotations").tags(visible_to)

    def marked(self, marks: Marks, visible_to: str | None = None, limit: int = 50,
               filters: Filters | None = None) -> list[Generation]:
        """Generations with every mark, newest first (among the newest `limit` marked ones, those
        that also pass `filters`)."""
        notes = self._marks_role("annotations")
        ids = notes.find(marks, visible_to, max(1, min(int(limit), 500)))
        found = self.get_many(ids, visible_to)
        if filters is None or filters == Filters(visible_to=filters.visible_to):
            return found
        text = {i: a.note for i, a in notes.annotations([g.id for g in found]).items()}
        return [gen for gen in found if passes(gen, filters, text.get(gen.id, ""))]

    def cost_by_tag(self, visible_to: str | None = None, since=None, until=None):
        """tag, generations, cost_usd of tagged generations created in [since, until)."""
        return self._marks_role("annotations").cost_by_tag(visible_to, since, until)

    # -- share links --------------------------------------------------------------------------
    def share(self, gen_id: str, by: str, visible_to: str | None = None, *, expires: str = "7d",
              include_cost: bool = False, include_system: bool = False) -> Share:
        """A new read-only link; the returned Share's `token` is shown once and never stored."""
        links = self._marks_role("shares")
        gen = self._visible(gen_id, visible_to)
        if not links.sharing_enabled():
            raise BadRequest("Sharing is off: an admin turned it off for everyone.")
        now, token = utcnow(), new_token()
        share = Share(new_id(), gen.id, _who(by), now, expiry(expires, now), bool(include_cost), bool(include_system))
        links.create(share, token_hash(token))
        return replace(share, token=token)

    def open_share(self, token: str, count_view: bool = True) -> tuple[Share, Generation]:
        """The link's generation as it is now, without what the owner chose not to include; one
        view counted (not a live page's refreshes). ShareUnavailable (revoked, expired, sharing
        off, unknown) otherwise: checked on every call, so a revoke holds at the next load."""
        links = self._marks_role("shares")
        share = links.lookup(token_hash(token)) if looks_like_token(token) else None
        gen = self.get(share.generation_id) if share is not None else None
        if share is None or gen is None:
            raise ShareUnavailable("This link is not valid: it may be mistyped, or the generation was removed.")
        if not links.sharing_enabled():
            raise ShareUnavailable("Sharing is off: an admin turned it off for everyone.")
        state = share.state(utcnow())
        if state != "active":
            raise ShareUnavailable("This link was revoked." if state == "revoked" else "This link has expired.")
        tomb = self.store.tombstone(gen.id)
        if tomb is not None:  # the owner (or retention) deleted it after sharing: say so, not "invalid"
            raise ShareUnavailable(tomb.sentence(lambda by: "its owner" if by == tomb.user_id else "an admin"))
        if count_view:
            links.viewed(share.id, utcnow())
        return share, _as_shared(gen, share)

    def my_shares(self, owner_id: str | None) -> list[Share]:
        """Links made by owner_id (None: everyone's, for admins)."""
        return self._marks_role("shares").shares(owner_id)

    def revoke_share(self, share_id: str, visible_to: str | None = None) -> bool:
        """Revoke one of visible_to's links (an admin: anyone's); False if not found or already revoked."""
        links = self._marks_role("shares")
        if not any(s.id == share_id for s in links.shares(visible_to)):
            return False
        return links.revoke(share_id, utcnow())

    def sharing_enabled(self) -> bool:
        return self._marks_role("shares").sharing_enabled()

    def set_sharing(self, enabled: bool, by: str, is_admin: bool) -> None:
        """The admin's switch for everyone; while off, every existing link stops working."""
        if not is_admin:
            raise BadRequest("Only an admin can turn sharing on or off.")
        self._marks_role("shares").set_sharing(bool(enabled), _who(by), utcnow())

    # -- helpers --------------------------------------------------------------------------------
    def _visible(self, gen_id: str, visible_to: str | None) -> Generation:
        gen = self.get(gen_id, visible_to)
        if gen is None:
            raise NotFound(f"Generation {str(gen_id)[:40]} not found.")
        return gen

    def _marks_role(self, name: str):
        role = getattr(self, name, None)
        if role is None:
            raise BadRequest("Tags, notes and share links need the built-in DuckDB or PostgreSQL record store.")
        return role


def _who(by: str) -> str:
    if not isinstance(by, str) or not by.strip():
        raise BadRequest("Every edit names who made it.")
    return by.strip()


def _as_shared(gen: Generation, share: Share) -> Generation:
    """A copy holding only what the link shows (the owner's id and request internals never)."""
    shown = copy.copy(gen)
    shown.user_id, shown.dedup_key, shown.messages_json = "", None, None
    shown.parent_id = shown.regenerated_from = shown.cached_from = None  # no way to other generations
    if not share.include_cost:
        shown.cost_usd = shown.cost_saved_usd = shown.price_source = None
    if not share.include_system:
        shown.system_prompt = None
    return shown
