"""SQL text of the PostgreSQL store's reports: the Costs page's cube and top ten, budget spend, the rollup.

The same sums as the DuckDB store's (store_sql.py), in PostgreSQL's dialect, and the same frame
types (sums of counts as DOUBLE, as DuckDB's reach pandas; money as DOUBLE for charts with its exact
sum as text beside). Placeholders only; `{where}` slots take where.py's clauses.
"""
from __future__ import annotations

TOKENS = ("coalesce(input_tokens,0) + coalesce(cache_read_tokens,0) + coalesce(cache_write_tokens,0) "
          "+ coalesce(output_tokens,0) + coalesce(reasoning_tokens,0) + coalesce(image_tokens,0)")
UNPRICED = f"(cost_usd IS NULL AND cached_from IS NULL AND ({TOKENS}) > 0)"
MODEL = "coalesce(model_used, model_requested)"
BUCKETS = ("input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens",
           "image_tokens")
ROLLUP_KEY = ("day", "model", "user_id", "kind")
ROLLUP_SUMS = (("generations", "priced", "cost_usd", "saved_usd", "cache_hits", "unpriced") + BUCKETS
               + ("unpriced_in_tokens", "unpriced_out_tokens"))
IN_TOKENS = "coalesce(input_tokens,0) + coalesce(cache_read_tokens,0) + coalesce(cache_write_tokens,0)"
OUT_TOKENS = "coalesce(output_tokens,0) + coalesce(reasoning_tokens,0) + coalesce(image_tokens,0)"
NO_PRICE = "cost_usd IS NULL AND cached_from IS NULL"

# What rows add to their (day, model, user, kind) cells: the fold, the rebuild and the live tail.
CONTRIBUTION = f"""CAST(created_utc AS DATE) AS day, {MODEL} AS model, user_id, kind, count(*) AS generations,
    count(cost_usd) AS priced, coalesce(sum(cost_usd), 0) AS cost_usd, coalesce(sum(cost_saved_usd), 0) AS saved_usd,
    count(*) FILTER (WHERE cached_from IS NOT NULL) AS cache_hits, count(*) FILTER (WHERE {UNPRICED}) AS unpriced,
    {", ".join(f"sum(coalesce({b}, 0)) AS {b}" for b in BUCKETS)},
    coalesce(sum({IN_TOKENS}) FILTER (WHERE {NO_PRICE}), 0) AS unpriced_in_tokens,
    coalesce(sum({OUT_TOKENS}) FILTER (WHERE {NO_PRICE}), 0) AS unpriced_out_tokens"""
CELLS = f"SELECT {CONTRIBUTION} FROM generations {{where}} GROUP BY 1, 2, 3, 4"

_GROUPING = "GROUPING(day, model, user_id)"
# Counts as DOUBLE, as DuckDB's sums of BIGINT (HUGEINT) reach pandas, so both stores' frames match.
# Days as timestamps: pandas takes datetimes as datetime64 at once, dates through a slow conversion.
CUBE = f"""SELECT day::timestamp AS day, model, user_id, {_GROUPING} AS "grouping",
    sum(generations)::float8 AS generations, sum(cost_usd)::float8 AS cost_usd,
    CASE WHEN sum(priced) > 0 THEN sum(cost_usd)::numeric(38, 18)::text END AS cost_exact,
    sum(saved_usd)::float8 AS saved_usd, sum(saved_usd)::numeric(38, 18)::text AS saved_exact,
    sum(cache_hits)::float8 AS cache_hits, sum(unpriced)::float8 AS unpriced,
    {", ".join(f"sum({b})::float8 AS {b}" for b in BUCKETS)}
FROM cells GROUP BY GROUPING SETS ((day, model), (day), (model), (user_id), ())
ORDER BY 4, day, CASE WHEN {_GROUPING} IN (5, 6) THEN -sum(cost_usd) END NULLS LAST, model, user_id"""
COST_CUBE = f"WITH cells AS ({CELLS}) {CUBE}"
COST_CUBE_ROLLUP = f"""WITH cells AS (
    SELECT {", ".join(ROLLUP_KEY + ROLLUP_SUMS)} FROM cost_daily {{rollup_where}}
    UNION ALL
    SELECT {CONTRIBUTION} FROM generations {{tail_where}} GROUP BY 1, 2, 3, 4) {CUBE}"""
COST_TOP = f"""SELECT id, created_utc, user_id, {MODEL} AS model, kind, cost_usd::float8 AS cost_usd,
    ({TOKENS})::bigint AS tokens, usage_estimated, left(prompt, 120) AS prompt FROM generations {{where}}
    ORDER BY generations.cost_usd DESC LIMIT %s"""
ESTIMATED_TOKENS = f"SELECT coalesce(sum({TOKENS}), 0)::bigint FROM generations {{where}}"

# Budgets: spend per UTC period, unpriced rows at the budgets file's fallback rates (USD per token).
BUDGET_COST = f"""coalesce(cost_usd, CASE WHEN cached_from IS NULL THEN
    ({IN_TOKENS}) * %(fin)s::numeric + ({OUT_TOKENS}) * %(fout)s::numeric ELSE 0 END)"""
_PERIOD = (f"SELECT lower(user_id) AS u, created_utc, {BUDGET_COST} AS c, id, prompt, kind, {MODEL} AS model "
           "FROM generations WHERE created_utc >= %(since)s AND created_utc < %(until)s")
SPENT = f"""SELECT coalesce(sum(c) FILTER (WHERE u = %(user)s AND created_utc >= %(day)s), 0) AS user_day,
    coalesce(sum(c) FILTER (WHERE u = %(user)s), 0) AS user_month,
    coalesce(sum(c) FILTER (WHERE created_utc >= %(day)s), 0) AS all_day,
    coalesce(sum(c), 0) AS all_month FROM ({_PERIOD}) AS p"""
# The same sums with the records before the rollup's watermark read from cost_daily (a day's cells
# stand for its records before the watermark: the period bounds and the day are whole UTC days, and
# every cell is of a day before the watermark or of its own day), the rest from records.
_PERIOD_ROLLUP = f"""SELECT lower(user_id) AS u, day::timestamp AS created_utc,
    cost_usd + unpriced_in_tokens * %(fin)s::numeric + unpriced_out_tokens * %(fout)s::numeric AS c
    FROM cost_daily WHERE day >= %(since)s::date AND day < %(until)s::date
    UNION ALL
    SELECT lower(user_id) AS u, created_utc, {BUDGET_COST} AS c FROM generations
    WHERE created_utc >= greatest(%(since)s::timestamp, %(folded)s::timestamp) AND created_utc < %(until)s"""
SPENT_FOLDED = SPENT.replace(_PERIOD, _PERIOD_ROLLUP)
SPENT_BY_USER = f"""SELECT u AS user_id, coalesce(sum(c) FILTER (WHERE created_utc >= %(day)s), 0) AS day_usd,
    coalesce(sum(c), 0) AS month_usd FROM ({_PERIOD}) AS p GROUP BY u ORDER BY u"""
SPENT_BY_USER_FOLDED = SPENT_BY_USER.replace(_PERIOD, _PERIOD_ROLLUP)
HOURLY = f"""SELECT u AS user_id, date_trunc('hour', created_utc) AS hour, sum(c) AS cost_usd,
    count(*) AS generations FROM ({_PERIOD}) AS p
    WHERE %(user)s::text IS NULL OR u = %(user)s GROUP BY 1, 2 ORDER BY user_id, hour"""
HOUR_GENERATIONS = f"""SELECT id, created_utc, u AS user_id, model, kind, c AS cost_usd,
    left(prompt, 120) AS prompt FROM ({_PERIOD}) AS p WHERE u = %(user)s
    ORDER BY c DESC NULLS LAST, created_utc LIMIT 20"""

# The rollup: records created before `cost_daily_state.folded_to` are summed in cost_daily, each
# folded once. A fold adds the records from the old watermark to the new one to their cells: the day
# the old one fell in already has cells (its earlier records), so the sums are added to them.
ROLLUP_WATERMARK = "SELECT folded_to FROM cost_daily_state"
EARLIEST_LIVE = "SELECT min(created_utc) FROM generations WHERE status IN ('pending', 'streaming')"
_FOLDED = ("FROM generations WHERE (%(start)s::timestamp IS NULL OR created_utc >= %(start)s) "
           "AND created_utc < %(until)s GROUP BY 1, 2, 3, 4")


def _add_sums(table: str) -> str:
    """An upsert's update: the new sums added to the cell's (an update in place, which PostgreSQL
    prunes as it goes, where a delete and insert each minute would wait for VACUUM)."""
    return ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in ROLLUP_SUMS)


ROLLUP_FOLD = (f"INSERT INTO cost_daily SELECT {CONTRIBUTION} {_FOLDED} "
               f"ON CONFLICT (day, model, user_id, kind) DO UPDATE SET {_add_sums('cost_daily')}")
ROLLUP_SET_WATERMARK = "UPDATE cost_daily_state SET folded_to = %(until)s, folded_until = %(until)s::date"

# The rollup without the user dimension (migration 12), for the all-users Costs page: per (day, model,
# kind) and per (day, user) the sums of cost_daily's cells: a fold adds its records to them as to
# cost_daily's (SLIM_FOLD), a rebuild derives them from cost_daily (DERIVE). The grouping codes are
# those GROUPING(day, model, user_id) gives CUBE's sets.
SLIM = {"cost_daily_models": ("day", "model", "kind"), "cost_daily_users": ("day", "user_id")}
_SUMS = ", ".join(f"sum({c}) AS {c}" for c in ROLLUP_SUMS)
SLIM_FOLD = [f"""INSERT INTO {table} SELECT {", ".join(key)}, {_SUMS} FROM (SELECT {CONTRIBUTION} {_FOLDED}) AS cells
    GROUP BY {", ".join(key)} ON CONFLICT ({", ".join(key)}) DO UPDATE SET {_add_sums(table)}"""
             for table, key in SLIM.items()]
DERIVE = [f"""INSERT INTO {table} SELECT {", ".join(key)}, {_SUMS} FROM cost_daily GROUP BY {", ".join(key)}"""
          for table, key in SLIM.items()]
_AGGREGATES = f"""sum(generations)::float8 AS generations, sum(cost_usd)::float8 AS cost_usd,
    CASE WHEN sum(priced) > 0 THEN sum(cost_usd)::numeric(38, 18)::text END AS cost_exact,
    sum(saved_usd)::float8 AS saved_usd, sum(saved_usd)::numeric(38, 18)::text AS saved_exact,
    sum(cache_hits)::float8 AS cache_hits, sum(unpriced)::float8 AS unpriced,
    {", ".join(f"sum({b})::float8 AS {b}" for b in BUCKETS)}, -sum(cost_usd) AS rank"""
_OUT = "day::timestamp AS day, model, user_id, \"grouping\", generations, cost_usd, cost_exact, saved_usd, saved_exact, " \
       "cache_hits, unpriced, " + ", ".join(BUCKETS)
COST_CUBE_SLIM = f"""WITH tail AS (SELECT {CONTRIBUTION} FROM generations {{tail_where}} GROUP BY 1, 2, 3, 4),
models AS (SELECT day, model, {", ".join(ROLLUP_SUMS)} FROM cost_daily_models {{rollup_where}}
    UNION ALL SELECT day, model, {", ".join(ROLLUP_SUMS)} FROM tail),
users AS (SELECT user_id, {", ".join(ROLLUP_SUMS)} FROM cost_daily_users {{rollup_where}}
    UNION ALL SELECT user_id, {", ".join(ROLLUP_SUMS)} FROM tail)
SELECT {_OUT} FROM (
    SELECT day, model, NULL::text AS user_id, GROUPING(day, model) * 2 + 1 AS "grouping", {_AGGREGATES}
    FROM models GROUP BY GROUPING SETS ((day, model), (day), (model), ())
    UNION ALL
    SELECT NULL::date, NULL::text, user_id, 6, {_AGGREGATES} FROM users GROUP BY user_id) AS cube
ORDER BY 4, day, CASE WHEN "grouping" IN (5, 6) THEN rank END NULLS LAST, model, user_id"""
USERS_OF = f"""INSERT INTO cost_daily_users SELECT day, user_id, {_SUMS} FROM cost_daily WHERE user_id = %s
    GROUP BY day, user_id"""
