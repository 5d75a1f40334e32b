"""genlib: every AI generation as a durable, addressable, costed record.

The public API is `Vault` (start, get, wait, follow, cancel, search, costs, export, reprice),
the request and record types, filters and the errors it raises. Nothing here imports Streamlit.
"""
from .api import Vault
from .config import OFFLINE_IMAGE_MODEL, OFFLINE_MODEL, Settings
from .errors import (BadRequest, BudgetExceeded, DatabaseLocked, GenlibError, NotFound, RateLimited,
                     StorageUnavailable)
from .filters import Filters
from .ids import looks_like_id, new_id
from .records import (CANCELLED, COMPLETE, ERROR, IMAGE, INTERRUPTED, KINDS, PENDING, STATUSES, STREAMING,
                      TEXT, Generation, GenerationRequest, TokenBuckets)
from .reports import CostReport, Page, RepriceReport
from .users import Identity

__all__ = [
    "Vault", "Settings", "GenerationRequest", "Generation", "TokenBuckets", "Filters", "Page",
    "CostReport", "RepriceReport", "GenlibError", "BadRequest", "NotFound", "StorageUnavailable",
    "DatabaseLocked", "BudgetExceeded", "RateLimited", "new_id", "looks_like_id", "OFFLINE_MODEL", "OFFLINE_IMAGE_MODEL",
    "PENDING", "STREAMING", "COMPLETE", "ERROR", "CANCELLED", "INTERRUPTED", "STATUSES",
    "TEXT", "IMAGE", "KINDS", "Identity",
]
