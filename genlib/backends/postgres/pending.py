"""The GIN indexes' pending lists, merged by the store's upkeep.

A GIN index takes inserts into an unsorted pending list (`fastupdate`), which every search through
the index reads whole until it is merged: by VACUUM (autovacuum may be off, and runs when it likes)
or by the insert that finds it past `gin_pending_list_limit` (4 MB: that insert pays the merge, and
a pending row's insert is on the time-to-first-token path). So the upkeep merges them itself, once a
minute per replica: at 1M rows a search for an absent string took 104 ms with 2 MB pending, 15 after.
"""
from __future__ import annotations

from .pool import connection

# Every GIN index of the records (the day-keyed trigram indexes and the phrase pairs), found by access
# method so a later migration's index is included; the number of pending pages merged.
MERGE_PENDING = """SELECT coalesce(sum(gin_clean_pending_list(i.indexrelid)), 0)::bigint
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
    WHERE i.indrelid = 'generations'::regclass AND a.amname = 'gin'"""


def merge_pending_lists(pool) -> int:
    """Merge the records' GIN pending lists into their indexes; how many pending pages there were."""
    with connection(pool) as con:
        return con.execute(MERGE_PENDING).fetchone()[0]
