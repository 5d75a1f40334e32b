"""Numbered, append-only schema migrations of the PostgreSQL store, applied once under a lock.

The tables mirror the DuckDB store's (generations, streamed chunks, the cost rollup, users), plus
what several replicas need: each replica's lease, the replica running a live generation, and the
budgets and prices documents that the TOML files hold in the embedded default. Replicas that
start together all call `migrate`: a session advisory lock lets one apply the missing steps (each
in one transaction with the row that records it) while the others wait, then find nothing to do.
"""
from __future__ import annotations

from psycopg import sql

from .newest import DAY_KEY
from .where import PAIRS, SENT

LOCK_CLASS = 0x67656E76  # "genv": the first key of every advisory lock genlib takes
MIGRATE_LOCK = 1  # second key: schema migrations (one database-wide lock: CREATE EXTENSION is too)

MIGRATIONS: list[tuple[int, str, str]] = []


def migration(number: int, name: str, statement: str) -> None:
    # Increasing, not contiguous: branches built in parallel take reserved numbers (gaps close at merge).
    if MIGRATIONS and number <= MIGRATIONS[-1][0] or number < 1:
        raise ValueError(f"migration {number} out of order")
    MIGRATIONS.append((number, name, statement))


migration(1, "generations", """
CREATE TABLE generations (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    user_id TEXT NOT NULL,
    model_requested TEXT NOT NULL,
    prompt TEXT NOT NULL,
    status TEXT NOT NULL,
    model_used TEXT,
    provider TEXT,
    system_prompt TEXT,
    parent_id TEXT,
    messages_json TEXT,
    params_json TEXT,
    result_text TEXT NOT NULL DEFAULT '',
    images_json TEXT,
    usage_json TEXT,
    input_tokens BIGINT,
    cache_read_tokens BIGINT,
    cache_write_tokens BIGINT,
    output_tokens BIGINT,
    reasoning_tokens BIGINT,
    image_tokens BIGINT,
    usage_estimated BOOLEAN NOT NULL DEFAULT false,
    cost_usd NUMERIC(38, 18),
    cost_saved_usd NUMERIC(38, 18),
    price_source TEXT,
    error TEXT,
    cached_from TEXT,
    regenerated_from TEXT,
    response_id TEXT,
    dedup_key TEXT,
    created_utc TIMESTAMP NOT NULL,
    request_sent_utc TIMESTAMP,
    first_token_utc TIMESTAMP,
    finished_utc TIMESTAMP,
    finish_reason TEXT,
    replica_id TEXT  -- the replica running it while live (see `replicas`)
);
CREATE INDEX generations_newest ON generations (created_utc DESC, id DESC);
CREATE INDEX generations_user_newest ON generations (user_id, created_utc DESC, id DESC);
-- Budgets add spend up by lower-cased user (legacy ids are emails) over a period.
CREATE INDEX generations_user_spend ON generations (lower(user_id), created_utc);
CREATE INDEX generations_live ON generations (replica_id) WHERE status IN ('pending', 'streaming');
CREATE INDEX generations_parent ON generations (parent_id) WHERE parent_id IS NOT NULL;
-- Streamed text in appended pieces while live; the final text is written once into result_text.
CREATE TABLE generation_chunks (
    generation_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    text TEXT NOT NULL,
    saved_utc TIMESTAMP NOT NULL,
    PRIMARY KEY (generation_id, seq)
);
""")

migration(2, "cost_daily_rollup", """
CREATE TABLE cost_daily (
    day DATE NOT NULL,
    model TEXT NOT NULL,
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    generations BIGINT NOT NULL,
    priced BIGINT NOT NULL,
    cost_usd NUMERIC(38, 18) NOT NULL,
    saved_usd NUMERIC(38, 18) NOT NULL,
    cache_hits BIGINT NOT NULL,
    unpriced BIGINT NOT NULL,
    input_tokens BIGINT NOT NULL,
    cache_read_tokens BIGINT NOT NULL,
    cache_write_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    reasoning_tokens BIGINT NOT NULL,
    image_tokens BIGINT NOT NULL,
    -- tokens of records with no price (not cache hits), so budget spend at the budgets file's
    -- fallback rates can be read from the rollup too
    unpriced_in_tokens BIGINT NOT NULL,
    unpriced_out_tokens BIGINT NOT NULL,
    PRIMARY KEY (day, model, user_id, kind)
);
CREATE TABLE cost_daily_state (folded_until DATE);
INSERT INTO cost_daily_state VALUES (NULL);
""")

migration(3, "users", """
CREATE TABLE users (
    user_id TEXT PRIMARY KEY,
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    email TEXT,
    email_verified BOOLEAN NOT NULL,
    first_seen_utc TIMESTAMP NOT NULL,
    last_seen_utc TIMESTAMP NOT NULL
);
CREATE INDEX users_email ON users (email);
""")

# One row per running replica, its lease renewed by heartbeat on the database's clock (never a
# replica's own, which may drift). A live generation whose replica's lease has expired is an orphan.
migration(4, "replica_leases", """
CREATE TABLE replicas (
    replica_id TEXT PRIMARY KEY,
    host TEXT,
    pid INTEGER,
    started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    lease_expires_at TIMESTAMPTZ NOT NULL
);
""")

# With a database URL the budgets and prices files live here, as the same TOML text (the files
# become an import/export format). `revision` lets replicas notice an edit with one cheap read and
# makes an edit a compare-and-set, so two admins' edits never silently overwrite each other.
migration(5, "settings_documents", """
CREATE TABLE settings_documents (
    name TEXT PRIMARY KEY CHECK (name IN ('budgets', 'prices')),
    body TEXT NOT NULL,
    revision BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by TEXT
);
""")

# Substring search (History's query language) through trigram indexes: ILIKE '%term%' uses them.
migration(6, "search_trigrams", """
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
CREATE INDEX generations_prompt_trgm ON generations USING gin (prompt public.gin_trgm_ops);
CREATE INDEX generations_result_trgm ON generations USING gin (result_text public.gin_trgm_ops);
""")

# Images attached to the prompt (vision input): [{sha256, mime, bytes, width, height}], the bytes
# themselves kept once by content address in the image store (`attachments/<sha[:2]>/<sha>`).
migration(7, "attachments", """
ALTER TABLE generations ADD COLUMN IF NOT EXISTS attachments_json TEXT;
""")

# Comparison groups (issue 13): as the DuckDB store's migration 8.
migration(8, "compare_groups", """
CREATE TABLE IF NOT EXISTS compare_groups (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_utc TIMESTAMP NOT NULL,
    prompt TEXT NOT NULL,
    system_prompt TEXT,
    panels_json TEXT NOT NULL,
    blind BOOLEAN NOT NULL,
    pick TEXT,
    picked_by TEXT,
    picked_utc TIMESTAMP
);
CREATE INDEX IF NOT EXISTS compare_groups_created ON compare_groups (created_utc DESC);
""")

# Batch jobs (genlib/batch), as in the DuckDB store's migration 9.
migration(9, "batch_jobs", """
CREATE TABLE IF NOT EXISTS batch_jobs (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_utc TIMESTAMP NOT NULL,
    updated_utc TIMESTAMP NOT NULL,
    source_name TEXT NOT NULL,
    template TEXT NOT NULL,
    system_prompt TEXT,
    models_json TEXT NOT NULL,
    params_json TEXT NOT NULL,
    columns_json TEXT NOT NULL,
    concurrency INTEGER NOT NULL,
    status TEXT NOT NULL,
    message TEXT,
    runner_id TEXT,
    lease_until TIMESTAMP
);
CREATE TABLE IF NOT EXISTS batch_rows (
    job_id TEXT NOT NULL,
    row_index INTEGER NOT NULL,
    model TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    inputs_json TEXT NOT NULL,
    prompt TEXT NOT NULL,
    status TEXT NOT NULL,
    gen_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    cost_usd NUMERIC(38, 18),
    error TEXT,
    updated_utc TIMESTAMP NOT NULL,
    PRIMARY KEY (job_id, row_index, model)
);
CREATE INDEX IF NOT EXISTS batch_jobs_user ON batch_jobs (user_id, created_utc);
""")

# Tags, notes, stars and ratings (issue 14), as in the DuckDB store: beside the generation, never in
# its row; each change also kept as one row of `annotation_edits`.
migration(10, "annotations", """
CREATE TABLE IF NOT EXISTS annotations (
    generation_id TEXT PRIMARY KEY,
    note TEXT NOT NULL DEFAULT '',
    starred BOOLEAN NOT NULL DEFAULT false,
    rating INTEGER NOT NULL DEFAULT 0,
    updated_utc TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS annotation_tags (
    generation_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (generation_id, tag)
);
CREATE INDEX IF NOT EXISTS annotation_tags_tag ON annotation_tags (tag);
CREATE TABLE IF NOT EXISTS annotation_edits (
    generation_id TEXT NOT NULL,
    at_utc TIMESTAMP NOT NULL,
    by_user TEXT NOT NULL,
    what TEXT NOT NULL,
    value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS annotation_edits_generation ON annotation_edits (generation_id, at_utc);
""")

# Read-only share links: only the token's SHA-256 is stored. `sharing_switch`: the admin's
# "sharing off" for everyone (one row).
migration(11, "shares", """
CREATE TABLE IF NOT EXISTS shares (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    generation_id TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    created_utc TIMESTAMP NOT NULL,
    expires_utc TIMESTAMP,
    revoked_utc TIMESTAMP,
    include_cost BOOLEAN NOT NULL,
    include_system BOOLEAN NOT NULL,
    views BIGINT NOT NULL DEFAULT 0,
    last_viewed_utc TIMESTAMP
);
CREATE INDEX IF NOT EXISTS shares_owner ON shares (owner_id, created_utc DESC);
CREATE TABLE IF NOT EXISTS sharing_switch (enabled BOOLEAN NOT NULL, updated_utc TIMESTAMP, updated_by TEXT);
INSERT INTO sharing_switch SELECT true, NULL, NULL WHERE NOT EXISTS (SELECT 1 FROM sharing_switch);
""")

# History and Costs at a million rows (issue 11): a status filter (with or without words) reads its
# rows newest first; the Costs page's ten most expensive and its estimated-token total read an index
# instead of every row (only priced rows, only estimated ones); the all-users Costs page reads the
# rollup without its user dimension (per day and model, per day and user: ~1/50 of cost_daily's
# cells each), derived from cost_daily as each day is folded. Measured in docs/PERFORMANCE.md.
_SLIM_SUMS = """generations BIGINT NOT NULL, priced BIGINT NOT NULL, cost_usd NUMERIC(38, 18) NOT NULL,
    saved_usd NUMERIC(38, 18) NOT NULL, cache_hits BIGINT NOT NULL, unpriced BIGINT NOT NULL,
    input_tokens BIGINT NOT NULL, cache_read_tokens BIGINT NOT NULL, cache_write_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL, reasoning_tokens BIGINT NOT NULL, image_tokens BIGINT NOT NULL,
    unpriced_in_tokens BIGINT NOT NULL, unpriced_out_tokens BIGINT NOT NULL"""
_SUM_COLUMNS = ("generations, priced, cost_usd, saved_usd, cache_hits, unpriced, input_tokens, cache_read_tokens, "
                "cache_write_tokens, output_tokens, reasoning_tokens, image_tokens, unpriced_in_tokens, "
                "unpriced_out_tokens").split(", ")
_SUMS = ", ".join(f"sum({c})" for c in _SUM_COLUMNS)
migration(12, "report_indexes", f"""
CREATE INDEX IF NOT EXISTS generations_status_newest ON generations (status, created_utc DESC, id DESC);
CREATE INDEX IF NOT EXISTS generations_cost_top ON generations (cost_usd DESC) WHERE cost_usd IS NOT NULL;
CREATE INDEX IF NOT EXISTS generations_estimated ON generations (created_utc) WHERE usage_estimated;
CREATE TABLE IF NOT EXISTS cost_daily_models (day DATE NOT NULL, model TEXT NOT NULL, kind TEXT NOT NULL,
    {_SLIM_SUMS}, PRIMARY KEY (day, model, kind));
CREATE TABLE IF NOT EXISTS cost_daily_users (day DATE NOT NULL, user_id TEXT NOT NULL,
    {_SLIM_SUMS}, PRIMARY KEY (day, user_id));
DELETE FROM cost_daily_models;
DELETE FROM cost_daily_users;
INSERT INTO cost_daily_models SELECT day, model, kind, {_SUMS} FROM cost_daily GROUP BY day, model, kind;
INSERT INTO cost_daily_users SELECT day, user_id, {_SUMS} FROM cost_daily GROUP BY day, user_id;
""")

# Deleted generations (issue 14, retention): as the DuckDB store's migration 13.
migration(13, "tombstones", """
CREATE TABLE IF NOT EXISTS tombstones (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_utc TIMESTAMP NOT NULL,
    deleted_utc TIMESTAMP NOT NULL,
    deleted_by TEXT,
    reason TEXT NOT NULL,
    images_json TEXT,
    cleaned_utc TIMESTAMP
);
CREATE INDEX IF NOT EXISTS tombstones_unclean ON tombstones (deleted_utc) WHERE cleaned_utc IS NULL;
""")

# Search windows confined in the index (newest.py): each text's trigrams keyed by whole UTC day
# (btree_gin), so a window's day range is an index condition and only its candidates are rechecked.
# They replace migration 6's indexes (a query without a day range uses them as those were used). The
# ANALYZE gives the planner the new key's statistics at once (autovacuum waits for 10 % of rows to
# change; meanwhile it guessed: an absent string's window took 690 ms before an ANALYZE, 31 after, 300k rows).
migration(14, "search_day_trigrams", f"""
CREATE EXTENSION IF NOT EXISTS btree_gin SCHEMA public;
SET LOCAL maintenance_work_mem = '256MB';
CREATE INDEX IF NOT EXISTS generations_prompt_day_trgm ON generations USING gin ({DAY_KEY}, prompt public.gin_trgm_ops);
CREATE INDEX IF NOT EXISTS generations_result_day_trgm
    ON generations USING gin ({DAY_KEY}, result_text public.gin_trgm_ops);
DROP INDEX IF EXISTS generations_prompt_trgm;
DROP INDEX IF EXISTS generations_result_trgm;
ANALYZE generations;
""")

# Quoted phrases (where.py): each text's adjacent word pairs, the last 3 characters of a word, a
# space, the first 3 of the next ("taku suzama" holds "aku suz"), as 32-bit hashes (4-byte keys, no
# collation in their comparisons), keyed by day like the trigrams. A phrase's trigrams match every
# row holding its words anywhere (1,286 candidates, each rechecked, for 99 matches at 1M rows); its
# pairs only the rows holding them side by side (or a colliding hash: ILIKE decides). Immutable, so
# indexable. PL/pgSQL, not SQL: it runs at every insert, before the provider is called, and a SQL
# function with a subquery is planned again in each statement (a pending row's insert: +0.25 ms over
# no index, +0.1 in PL/pgSQL).
migration(15, "search_phrase_pairs", f"""
CREATE OR REPLACE FUNCTION gv_word_pairs(t text) RETURNS integer[] LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    keys integer[] := '{{}}';
    previous text := '';
    word text;
BEGIN
    FOREACH word IN ARRAY string_to_array(t, ' ') LOOP
        IF length(previous) >= 3 AND length(word) >= 3 THEN
            keys := keys || hashtext(right(previous, 3) || ' ' || left(word, 3));
        END IF;
        previous := word;
    END LOOP;
    RETURN ARRAY(SELECT DISTINCT k FROM unnest(keys) AS k ORDER BY k);
END
$$;
SET LOCAL maintenance_work_mem = '256MB';
CREATE INDEX IF NOT EXISTS generations_pairs ON generations USING gin ({DAY_KEY}, {PAIRS});
ANALYZE generations;
""")

# Migration 15's pairs index, partial: a pending row (inserted before the provider is called) no longer
# computes and inserts its pairs on the time-to-first-token path (pg_ttft_overhead p50 2.13-2.24 ms with
# the whole index, 1.71 without it); its status turns `streaming` in the writer's next flush, which
# indexes it. The phrase condition (where.py) reads pending rows apart, so they stay findable.
migration(16, "search_phrase_pairs_partial", f"""
SET LOCAL maintenance_work_mem = '256MB';
CREATE INDEX IF NOT EXISTS generations_pairs_sent ON generations USING gin ({DAY_KEY}, {PAIRS}) WHERE {SENT};
DROP INDEX IF EXISTS generations_pairs;
ANALYZE generations;
""")

# The rollup's watermark becomes a time (issue 11, Costs at 1M rows): the cells hold every record
# created before `folded_to`, the day it falls in partly, so the Costs page reads minutes of records
# besides the rollup, not the last day or two (~20,000 records at 1M rows over 90 days: most of the
# page's time). `folded_until` stays, written as `folded_to`'s day, for anything that reads it.
migration(17, "rollup_folded_to", """
ALTER TABLE cost_daily_state ADD COLUMN IF NOT EXISTS folded_to TIMESTAMP;
UPDATE cost_daily_state SET folded_to = folded_until::timestamp WHERE folded_to IS NULL;
""")

_LEDGER = sql.SQL("CREATE TABLE IF NOT EXISTS genlib_migrations "
                  "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")


def migrate(con, schema: str, target_version: int | None = None) -> list[int]:
    """Apply the missing steps (up to `target_version`) on an autocommit connection; returns the
    numbers this call applied. Holds the migration lock throughout, so concurrent callers apply
    each step once between them."""
    con.execute("SELECT pg_advisory_lock(%s, %s)", (LOCK_CLASS, MIGRATE_LOCK))
    try:
        con.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        con.execute(_LEDGER)
        done = {row[0] for row in con.execute("SELECT version FROM genlib_migrations")}
        applied = []
        for number, name, statement in MIGRATIONS:
            if number in done or (target_version is not None and number > target_version):
                continue
            with con.transaction():
                con.execute(statement)
                con.execute("INSERT INTO genlib_migrations (version, name) VALUES (%s, %s)", (number, name))
            applied.append(number)
        return applied
    finally:
        con.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_CLASS, MIGRATE_LOCK))


def schema_version(con) -> int:
    return con.execute("SELECT coalesce(max(version), 0) FROM genlib_migrations").fetchone()[0]
