"""Numbered, append-only schema migrations for the record store.

Each step is (number, name, SQL). A step is never edited once released: change the schema by
appending a new step. The store runs the steps a database has not recorded yet, each in one
transaction with the row that records it, so a database made by any earlier version opens here.
"""
from __future__ import annotations

MIGRATIONS: list[tuple[int, str, str]] = []


def migration(number: int, name: str, sql: str) -> None:
    # Increasing, not contiguous: branches built in parallel take reserved numbers (gaps close at merge).
    if MIGRATIONS and number <= MIGRATIONS[-1][0]:
        raise ValueError(f"migration {number} out of order")
    MIGRATIONS.append((number, name, sql))


migration(1, "generations", """
CREATE TABLE generations (
    id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    user_id VARCHAR NOT NULL,
    model_requested VARCHAR NOT NULL,
    model_used VARCHAR,
    provider VARCHAR,
    prompt VARCHAR NOT NULL,
    system_prompt VARCHAR,
    parent_id VARCHAR,
    messages_json VARCHAR,
    params_json VARCHAR,
    result_text VARCHAR NOT NULL DEFAULT '',
    images_json VARCHAR,
    usage_json VARCHAR,
    input_tokens BIGINT,
    output_tokens BIGINT,
    cost_usd DECIMAL(38, 18),
    status VARCHAR NOT NULL,
    error VARCHAR,
    response_id VARCHAR,
    created_utc TIMESTAMP NOT NULL,
    finished_utc TIMESTAMP
);
-- Streamed text lands here in small appended pieces while a generation is live; the final
-- text is written once into generations.result_text and the pieces are deleted.
CREATE TABLE generation_chunks (
    generation_id VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    text VARCHAR NOT NULL,
    saved_utc TIMESTAMP NOT NULL
);
""")

migration(2, "token_buckets_cache_and_timings", """
ALTER TABLE generations ADD COLUMN cache_read_tokens BIGINT;
ALTER TABLE generations ADD COLUMN cache_write_tokens BIGINT;
ALTER TABLE generations ADD COLUMN reasoning_tokens BIGINT;
ALTER TABLE generations ADD COLUMN image_tokens BIGINT;
ALTER TABLE generations ADD COLUMN usage_estimated BOOLEAN DEFAULT false;
ALTER TABLE generations ADD COLUMN cost_saved_usd DECIMAL(38, 18);
ALTER TABLE generations ADD COLUMN price_source VARCHAR;
ALTER TABLE generations ADD COLUMN cached_from VARCHAR;
ALTER TABLE generations ADD COLUMN regenerated_from VARCHAR;
ALTER TABLE generations ADD COLUMN dedup_key VARCHAR;
ALTER TABLE generations ADD COLUMN request_sent_utc TIMESTAMP;
ALTER TABLE generations ADD COLUMN first_token_utc TIMESTAMP;
""")

# Per (day, model, user, kind) sums of generations on days before `cost_daily_state.folded_until`:
# the Costs page reads ~50k cells plus the rows of the last day or two instead of every row. The
# writer folds each closed day in once; nothing is added on the hot write path.
migration(3, "cost_daily_rollup", """
CREATE TABLE cost_daily (
    day DATE NOT NULL,
    model VARCHAR NOT NULL,
    user_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    generations BIGINT NOT NULL,
    priced BIGINT NOT NULL,
    cost_usd DECIMAL(38, 18) NOT NULL,
    saved_usd DECIMAL(38, 18) NOT NULL,
    cache_hits BIGINT NOT NULL,
    unpriced BIGINT NOT NULL,
    input_tokens BIGINT NOT NULL,
    cache_read_tokens BIGINT NOT NULL,
    cache_write_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    reasoning_tokens BIGINT NOT NULL,
    image_tokens BIGINT NOT NULL,
    PRIMARY KEY (day, model, user_id, kind)
);
CREATE TABLE cost_daily_state (folded_until DATE);
INSERT INTO cost_daily_state VALUES (NULL);
""")

# A new generation's pending row lands here first, as one JSON value: DuckDB pays per column, and
# this 2-column row commits in ~0.7 ms where the 34-column one takes ~2 ms, plus a GIL wait for
# each of its execution steps while other threads run. The writer moves the rows into
# `generations` at its next flush (one interval later), deleting them here in the same transaction.
migration(4, "generation_starts_journal", """
CREATE TABLE generation_starts (
    id VARCHAR NOT NULL,
    record_json VARCHAR NOT NULL
);
""")

# Who signed in: generations are keyed by the identity provider's issuer + subject (users.user_id);
# the email is shown instead of that key, and grants admin rights or a per-user budget only when
# the provider verified it. Written at a user's first sign-in after the app starts, not per page.
migration(5, "users", """
CREATE TABLE users (
    user_id VARCHAR PRIMARY KEY,
    issuer VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    email VARCHAR,
    email_verified BOOLEAN NOT NULL,
    first_seen_utc TIMESTAMP NOT NULL,
    last_seen_utc TIMESTAMP NOT NULL
);
""")

# Why a text answer ended, as the provider said it ("stop", "length", "content_filter", ...): a
# truncated answer ("length", Max tokens reached) must be told apart from a finished one.
# IF NOT EXISTS: a database whose migration rows were rewound (older tools, tests) still opens.
migration(6, "finish_reason", """
ALTER TABLE generations ADD COLUMN IF NOT EXISTS finish_reason VARCHAR;
""")

# Images attached to the prompt (vision input): [{sha256, mime, bytes, width, height}], the bytes
# themselves kept once by content address in the image store (`attachments/<sha[:2]>/<sha>`).
migration(7, "attachments", """
ALTER TABLE generations ADD COLUMN IF NOT EXISTS attachments_json VARCHAR;
""")

# Comparison groups (issue 13): one prompt sent to several models, each panel a generation of its
# own (panels_json: model, params and generation id per panel); `pick` is the winning panel's index
# or "tie", set once.
migration(8, "compare_groups", """
CREATE TABLE IF NOT EXISTS compare_groups (
    id VARCHAR PRIMARY KEY,
    user_id VARCHAR NOT NULL,
    created_utc TIMESTAMP NOT NULL,
    prompt VARCHAR NOT NULL,
    system_prompt VARCHAR,
    panels_json VARCHAR NOT NULL,
    blind BOOLEAN NOT NULL,
    pick VARCHAR,
    picked_by VARCHAR,
    picked_utc TIMESTAMP
);
""")

# Batch jobs (genlib/batch): one row per job, one per (job, input row, model) with its idempotency
# key. The runner holding `runner_id` until `lease_until` is the only one sending the job's rows; a
# row records its generation id before the provider is called, so a crash never pays for it twice.
migration(9, "batch_jobs", """
CREATE TABLE IF NOT EXISTS batch_jobs (
    id VARCHAR PRIMARY KEY,
    user_id VARCHAR NOT NULL,
    created_utc TIMESTAMP NOT NULL,
    updated_utc TIMESTAMP NOT NULL,
    source_name VARCHAR NOT NULL,
    template VARCHAR NOT NULL,
    system_prompt VARCHAR,
    models_json VARCHAR NOT NULL,
    params_json VARCHAR NOT NULL,
    columns_json VARCHAR NOT NULL,
    concurrency INTEGER NOT NULL,
    status VARCHAR NOT NULL,
    message VARCHAR,
    runner_id VARCHAR,
    lease_until TIMESTAMP
);
CREATE TABLE IF NOT EXISTS batch_rows (
    job_id VARCHAR NOT NULL,
    row_index INTEGER NOT NULL,
    model VARCHAR NOT NULL,
    idem_key VARCHAR NOT NULL,
    inputs_json VARCHAR NOT NULL,
    prompt VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    gen_id VARCHAR,
    attempts INTEGER NOT NULL DEFAULT 0,
    cost_usd DECIMAL(38, 18),
    error VARCHAR,
    updated_utc TIMESTAMP NOT NULL,
    PRIMARY KEY (job_id, row_index, model)
);
""")

# Tags, notes, stars and ratings (issue 14): beside the generation, never in its row (prompt,
# output and cost stay immutable). Each change is also kept as one row of `annotation_edits`.
migration(10, "annotations", """
CREATE TABLE IF NOT EXISTS annotations (
    generation_id VARCHAR PRIMARY KEY,
    note VARCHAR NOT NULL DEFAULT '',
    starred BOOLEAN NOT NULL DEFAULT false,
    rating INTEGER NOT NULL DEFAULT 0,
    updated_utc TIMESTAMP NOT NULL,
    updated_by VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS annotation_tags (
    generation_id VARCHAR NOT NULL,
    tag VARCHAR NOT NULL,
    PRIMARY KEY (generation_id, tag)
);
CREATE TABLE IF NOT EXISTS annotation_edits (
    generation_id VARCHAR NOT NULL,
    at_utc TIMESTAMP NOT NULL,
    by_user VARCHAR NOT NULL,
    what VARCHAR NOT NULL,
    value VARCHAR NOT NULL
);
""")

# Read-only share links: the token itself is never stored, only its SHA-256. `sharing_switch` is
# the admin's "sharing off" for everyone (one row).
migration(11, "shares", """
CREATE TABLE IF NOT EXISTS shares (
    id VARCHAR PRIMARY KEY,
    token_hash VARCHAR NOT NULL UNIQUE,
    generation_id VARCHAR NOT NULL,
    owner_id VARCHAR NOT NULL,
    created_utc TIMESTAMP NOT NULL,
    expires_utc TIMESTAMP,
    revoked_utc TIMESTAMP,
    include_cost BOOLEAN NOT NULL,
    include_system BOOLEAN NOT NULL,
    views BIGINT NOT NULL DEFAULT 0,
    last_viewed_utc TIMESTAMP
);
CREATE TABLE IF NOT EXISTS sharing_switch (enabled BOOLEAN NOT NULL, updated_utc TIMESTAMP, updated_by VARCHAR);
INSERT INTO sharing_switch SELECT true, NULL, NULL WHERE NOT EXISTS (SELECT 1 FROM sharing_switch);
""")

# Deleted generations (issue 14, retention): the row in `generations` stays with its cost fields
# (the books must balance) and its content blanked in the same transaction that adds this row.
# images_json: the pictures still to delete, deleted after the commit; cleaned_utc is set once
# they, the search index entries and dedup keys are gone (a crash in between: the next run retries).
migration(13, "tombstones", """
CREATE TABLE IF NOT EXISTS tombstones (
    id VARCHAR PRIMARY KEY,
    user_id VARCHAR NOT NULL,
    created_utc TIMESTAMP NOT NULL,
    deleted_utc TIMESTAMP NOT NULL,
    deleted_by VARCHAR,
    reason VARCHAR NOT NULL,
    images_json VARCHAR,
    cleaned_utc TIMESTAMP
);
""")
