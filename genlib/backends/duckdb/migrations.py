"""Numbered, append-only schema migrations for the record store.

Each step is (number, name, SQL). A step is never edited once released: change the schema by
appending a new step. The store runs the steps a database has not recorded yet, each in one
transaction with the row that records it, so a database made by any earlier version opens here.
"""
from __future__ import annotations

MIGRATIONS: list[tuple[int, str, str]] = []


def migration(number: int, name: str, sql: str) -> None:
    if MIGRATIONS and number != MIGRATIONS[-1][0] + 1:
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
