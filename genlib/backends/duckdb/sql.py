"""SQL text used by the store, kept apart so the store module reads as behaviour.

Only placeholders: no value from outside is ever formatted into these strings. Column lists
come from `Generation.COLUMNS`. The cost queries feed the Costs page and `genlib costs`.
"""
from __future__ import annotations

from ...records import LIVE_STATUSES, Generation
from ...reports import BUCKETS
from ...search.index import FIELDS as INDEX_COLUMNS

COLS = Generation.COLUMNS
COL_LIST = ", ".join(COLS)
SELECT_ALL = f"SELECT {COL_LIST} FROM generations"
SELECT_ONE = f"{SELECT_ALL} WHERE id = ?"
SELECT_START = "SELECT record_json FROM generation_starts WHERE id = ?"
SELECT_STARTS = "SELECT record_json FROM generation_starts"
INDEX_FIELDS = ", ".join(INDEX_COLUMNS)
# History lists no deleted generation (their rows stay for the books: migration 13).
NOT_DELETED = "id NOT IN (SELECT id FROM tombstones)"


def chunks_of(n: int) -> str:
    """The saved text pieces of n live generations, joined in order."""
    marks = ", ".join("?" for _ in range(n))
    return (f"SELECT generation_id, string_agg(text, '' ORDER BY seq) FROM generation_chunks "
            f"WHERE generation_id IN ({marks}) GROUP BY generation_id")


def insert_chunks(n: int) -> str:
    return "INSERT INTO generation_chunks VALUES " + ", ".join("(?, ?, ?, ?)" for _ in range(n))


TOKENS_EXPR = ("coalesce(input_tokens,0) + coalesce(cache_read_tokens,0) + coalesce(cache_write_tokens,0) "
               "+ coalesce(output_tokens,0) + coalesce(reasoning_tokens,0) + coalesce(image_tokens,0)")
# A row needs a price when it used tokens, was not a cache hit, and has no cost.
UNPRICED = f"(cost_usd IS NULL AND cached_from IS NULL AND ({TOKENS_EXPR}) > 0)"
MODEL = "coalesce(model_used, model_requested)"

COST_TOP = f"""SELECT id, created_utc, user_id, {MODEL} AS model, kind, cost_usd,
    {TOKENS_EXPR} AS tokens, usage_estimated, left(prompt, 120) AS prompt FROM generations {{where}}
    ORDER BY cost_usd DESC LIMIT ?"""
# Tokens counted by estimate (streams that sent no usage, cut or stopped ones), so the page can say so.
ESTIMATED_TOKENS = f"SELECT coalesce(sum({TOKENS_EXPR}), 0) FROM generations {{where}}"

# Budgets (genlib/budgets/): spend per UTC period with unpriced rows at the budgets file's fallback
# rates ($fin/$fout in $ per token, both 0 when unpriced rows are not counted). Named parameters.
# No division here: DuckDB divides DECIMALs as DOUBLE, and budgets compare exact amounts.
BUDGET_COST = f"""coalesce(cost_usd, CASE WHEN cached_from IS NULL THEN
    ((coalesce(input_tokens,0) + coalesce(cache_read_tokens,0) + coalesce(cache_write_tokens,0))
     * CAST($fin AS DECIMAL(38,18)) + (coalesce(output_tokens,0) + coalesce(reasoning_tokens,0)
     + coalesce(image_tokens,0)) * CAST($fout AS DECIMAL(38,18))) ELSE 0 END)"""
_PERIOD_ROWS = (f"SELECT lower(user_id) AS u, created_utc, {BUDGET_COST} AS c, id, prompt, kind, {MODEL} AS model "
                "FROM generations WHERE created_utc >= $since AND created_utc < $until")
BUDGET_QUERIES = {
    "spent": f"""SELECT coalesce(sum(c) FILTER (WHERE u = $user AND created_utc >= $day), 0) AS user_day,
        coalesce(sum(c) FILTER (WHERE u = $user), 0) AS user_month,
        coalesce(sum(c) FILTER (WHERE created_utc >= $day), 0) AS all_day,
        coalesce(sum(c), 0) AS all_month FROM ({_PERIOD_ROWS})""",
    "spent_by_user": f"""SELECT u AS user_id, coalesce(sum(c) FILTER (WHERE created_utc >= $day), 0) AS day_usd,
        coalesce(sum(c), 0) AS month_usd FROM ({_PERIOD_ROWS}) GROUP BY ALL""",
    "hourly": f"""SELECT u AS user_id, date_trunc('hour', created_utc) AS hour, sum(c) AS cost_usd,
        count(*) AS generations FROM ({_PERIOD_ROWS})
        WHERE CAST($user AS VARCHAR) IS NULL OR u = $user GROUP BY ALL ORDER BY user_id, hour""",
    "hour_generations": f"""SELECT id, created_utc, u AS user_id, model, kind, c AS cost_usd,
        left(prompt, 120) AS prompt FROM ({_PERIOD_ROWS}) WHERE u = $user
        ORDER BY c DESC NULLS LAST, created_utc LIMIT 20""",
}


# -- the cost_daily rollup: days before the watermark, folded in once ----------------------
ROLLUP_KEY = ("day", "model", "user_id", "kind")
ROLLUP_SUMS = ("generations", "priced", "cost_usd", "saved_usd", "cache_hits", "unpriced") + BUCKETS
# What rows add to their cells (the rebuild, the daily fold, bulk loads and the live tail all use it).
_CONTRIBUTION = f"""CAST(created_utc AS DATE) AS day, {MODEL} AS model, user_id, kind, count(*) AS generations,
    count(cost_usd) AS priced, coalesce(sum(cost_usd), 0) AS cost_usd, coalesce(sum(cost_saved_usd), 0) AS saved_usd,
    count(*) FILTER (WHERE cached_from IS NOT NULL) AS cache_hits, count(*) FILTER (WHERE {UNPRICED}) AS unpriced,
    {", ".join(f"sum(coalesce({b}, 0)) AS {b}" for b in BUCKETS)}"""
ROLLUP_WATERMARK = "SELECT folded_until FROM cost_daily_state"
ROLLUP_FOLD = (f"INSERT INTO cost_daily SELECT {_CONTRIBUTION} FROM generations "
               "WHERE (? IS NULL OR created_utc >= ?) AND created_utc < ? GROUP BY ALL")
ROLLUP_SET_WATERMARK = "UPDATE cost_daily_state SET folded_until = ?"
# Bulk loads into days already folded add to their cells.
ROLLUP_ADD_FRAME = (f"INSERT INTO cost_daily SELECT {_CONTRIBUTION} FROM _bulk WHERE created_utc < ? GROUP BY ALL"
                    f" ON CONFLICT ({', '.join(ROLLUP_KEY)}) DO UPDATE SET "
                    + ", ".join(f"{c} = cost_daily.{c} + excluded.{c}" for c in ROLLUP_SUMS))
LIVE = f"status IN ({', '.join(repr(s) for s in LIVE_STATUSES)})"
EARLIEST_LIVE = (f"SELECT min(created_utc) FROM (SELECT created_utc FROM generations WHERE {LIVE} UNION ALL "
                 "SELECT CAST(json_extract_string(record_json, '$.created_utc') AS TIMESTAMP) FROM generation_starts)")

# The whole Costs page in one query over cells of (day, model, user): the breakdowns it charts as
# grouping sets, so only ~1k rows reach pandas, already in each breakdown's order (days and models
# by name, users and models by cost, most first), so pandas only slices. Exact totals travel as text.
_CUBE = f"""SELECT day, model, user_id, GROUPING(day, model, user_id) AS grouping,
    sum(generations) AS generations, sum(cost_usd)::DOUBLE AS cost_usd,
    CASE WHEN sum(priced) > 0 THEN CAST(sum(cost_usd) AS VARCHAR) END AS cost_exact,
    sum(saved_usd)::DOUBLE AS saved_usd, CAST(sum(saved_usd) AS VARCHAR) AS saved_exact,
    sum(cache_hits) AS cache_hits, sum(unpriced) AS unpriced, {", ".join(f"sum({b}) AS {b}" for b in BUCKETS)}
FROM cells GROUP BY GROUPING SETS ((day, model), (day), (model), (user_id), ())
ORDER BY grouping, day, CASE WHEN grouping IN (5, 6) THEN -sum(cost_usd) END NULLS LAST, model, user_id"""
COST_CUBE = f"WITH cells AS (SELECT {_CONTRIBUTION} FROM generations {{where}} GROUP BY ALL) {_CUBE}"
# Folded days from the rollup, the rest (the last day or two) from the base table.
COST_CUBE_ROLLUP = f"""WITH cells AS (
    SELECT {", ".join(ROLLUP_KEY + ROLLUP_SUMS)} FROM cost_daily {{rollup_where}}
    UNION ALL
    SELECT {_CONTRIBUTION} FROM generations {{tail_where}} GROUP BY ALL) {_CUBE}"""


def update_many(columns: tuple[str, ...], n: int, types: dict[str, str]) -> str:
    """One UPDATE for n rows: (id, *columns) values per row, cast to each column's type."""
    row = "(" + ", ".join("?" for _ in range(len(columns) + 1)) + ")"
    sets = ", ".join(f"{c} = CAST(v.{c} AS {types[c]})" for c in columns)
    return (f"UPDATE generations SET {sets} FROM (VALUES {', '.join(row for _ in range(n))}) "
            f"AS v(id, {', '.join(columns)}) WHERE generations.id = v.id")


def insert_many(n: int) -> str:
    row = "(" + ", ".join("?" for _ in COLS) + ")"
    return f"INSERT INTO generations ({COL_LIST}) VALUES {', '.join(row for _ in range(n))}"


def insert_starts(n: int) -> str:
    return f"INSERT INTO generation_starts (id, record_json) VALUES {', '.join('(?, ?)' for _ in range(n))}"


def delete_starts(n: int) -> str:
    return f"DELETE FROM generation_starts WHERE id IN ({', '.join('?' for _ in range(n))})"


UPSERT_USER = """INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET
    email = excluded.email, email_verified = excluded.email_verified, last_seen_utc = excluded.last_seen_utc"""
