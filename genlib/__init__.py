"""genlib: every AI generation as a durable, addressable, costed record.

The public API is `Vault` (start, get, wait, follow, cancel, search, costs, export, reprice, prune, delete),
the request and record types, filters and the errors it raises. Nothing here imports Streamlit.
"""
from .api import Vault
from .run.live import RESTART
from .budgets.config import BLANK as BUDGETS_BLANK, MISSING as BUDGETS_MISSING, READ as BUDGETS_READ
from .budgets.use import DAILY, MONTHLY, used_up_message
from .clock import utcnow
from .compare.model import MAX_PANELS, MIN_PANELS, TIE, CompareGroup, Panel, Standing
from .curation import ShareUnavailable
from .config import OFFLINE_IMAGE_MODEL, OFFLINE_MODEL, Settings, apply_thread_switch
from .errors import (BadRequest, BudgetExceeded, DatabaseLocked, GenlibError, NotFound, RateLimited,
                     StorageUnavailable)
from .filters import Filters
from .ids import looks_like_id, new_id
from .marks import EXPIRY as SHARE_EXPIRY, Annotation, Edit, Marks, Share
from .money import format_usd
from .pricing.usage import estimate_tokens
from .records import (CANCELLED, COMPLETE, ERROR, IMAGE, INTERRUPTED, KINDS, PENDING, STATUSES, STREAMING,
                      TEXT, Generation, GenerationRequest, TokenBuckets)
from .reports import CostReport, Page, RepriceReport
from .settingsdoc import BUDGETS as SETTINGS_BUDGETS, PRICES as SETTINGS_PRICES, EditConflict, SettingsDocument
from .retention.prune import PruneReport
from .tombstone import Tombstone
from .users import Identity
from .validate import IMAGE_QUALITIES, IMAGE_SIZES
from .vision import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, Attachment, from_bytes as attachment_from_bytes, is_sha256

__all__ = [
    "Vault", "Settings", "GenerationRequest", "Generation", "TokenBuckets", "Filters", "Page",
    "CostReport", "RepriceReport", "GenlibError", "BadRequest", "NotFound", "StorageUnavailable",
    "DatabaseLocked", "BudgetExceeded", "RateLimited", "new_id", "looks_like_id", "OFFLINE_MODEL", "OFFLINE_IMAGE_MODEL",
    "PENDING", "STREAMING", "COMPLETE", "ERROR", "CANCELLED", "INTERRUPTED", "STATUSES",
    "TEXT", "IMAGE", "KINDS", "Identity", "apply_thread_switch",
    "format_usd", "estimate_tokens", "IMAGE_SIZES", "IMAGE_QUALITIES", "DAILY", "MONTHLY", "used_up_message",
    "BUDGETS_MISSING", "BUDGETS_BLANK", "BUDGETS_READ", "utcnow",
    "EditConflict", "SettingsDocument", "SETTINGS_BUDGETS", "SETTINGS_PRICES", "Tombstone", "PruneReport",
    "CompareGroup", "Panel", "Standing", "TIE", "MIN_PANELS", "MAX_PANELS",
    "Attachment", "attachment_from_bytes", "is_sha256", "MAX_ATTACHMENTS", "MAX_ATTACHMENT_BYTES",
    "Annotation", "Edit", "Marks", "Share", "ShareUnavailable", "SHARE_EXPIRY", "RESTART",
]
