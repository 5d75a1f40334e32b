"""The Vault's dedup claims: which generation answers an identical request (`_claim_or_reuse`).

An identical request in flight is followed (in this process, or on another replica through the
live channel: run/remote.py), a finished one is a cache hit, and a stale claim is taken over.
Mixed into the Vault (it uses its cache, registry, settings and `_read`).
"""
from __future__ import annotations

from .dedup import SHARED_HIT
from .ids import looks_like_id
from .records import COMPLETE, Generation
from .run.remote import remote_original


class DedupClaims:
    def _claim_or_reuse(self, record: Generation):
        """None: we hold the key and call the provider. A LiveGeneration: follow it. A Generation: a hit."""
        holder = self.cache.claim(record.dedup_key, record.id, self.settings.cache_ttl_s)
        if holder is None or holder == record.id:
            return None
        live = self.registry.get(holder)
        if live is not None and not live.ended:
            return live
        original = self._read(holder) if looks_like_id(holder) else None
        if original is not None and original.status == COMPLETE:
            return original
        if looks_like_id(holder) and (original is None or original.is_live):  # another replica's, perhaps
            return remote_original(self.registry, holder, record, self._holder_user(record, original))
        self.cache.hold(record.dedup_key, record.id, self.settings.cache_ttl_s)  # stale: take it over
        return None

    def _holder_user(self, record: Generation, original: Generation | None) -> str:
        """Whose the holder is: its row's user; before its row is saved, ours if keys are per user."""
        return original.user_id if original else record.user_id if self.settings.dedup_scope == "user" else ""

    def _dedup_scope(self, user_id: str) -> str | None:
        """Whose answers an identical request may reuse: the user's own (default), or anyone's."""
        return None if self.settings.dedup_scope == "shared" else user_id.strip()

    @staticmethod
    def _source_name(record: Generation, original: Generation) -> str:
        """What a copy records as its source: the original's id only if it is the same user's."""
        return original.id if original.user_id == record.user_id else SHARED_HIT

