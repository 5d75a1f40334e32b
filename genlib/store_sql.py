"""SQL text used by the store, kept apart so the store module reads as behaviour.

Only placeholders: no value from outside is ever formatted into these strings. Column lists
come from `Generation.COLUMNS`. The cost queries feed the Costs page and `genlib costs`.
"""
from __future__ import annotations

from .records import Generation

COLS = Generation.COLUMNS
COL_LIST = ", ".join(COLS)
# A live row's saved text is result_text plus its chunks (the worker writes the whole text at the end).
_TEXT = ("result_text || coalesce((SELECT string_agg(c.text, '' ORDER BY c.seq) FROM generation_chunks c "
         "WHERE c.generation_id = g.id), '')")
_SELECT_COLS = ", ".join(f"g.{c}" if c != "result_text" else
                         f"CASE WHEN g.status IN ('pending', 'streaming') THEN {_TEXT} ELSE g.result_text END"
                         for c in COLS)

INSERT = f"INSERT INTO generations ({COL_LIST}) VALUES ({', '.join('?' for _ in COLS)})"
SELECT_ALL = f"SELECT {_SELECT_COLS} FROM generations g"
SELECT_ONE = f"{SELECT_ALL} WHERE g.id = ?"
SELECT_EXPORT = f"SELECT {COL_LIST} FROM generations"


def insert_chunks(n: int) -> str:
    return "INSERT INTO generation_chunks VALUES " + ", ".join("(?, ?, ?, ?)" for _ in range(n))


COST_EXPR = "coalesce(cost_usd, 0)"
TOKENS_EXPR = ("coalesce(input_tokens,0) + coalesce(cache_read_tokens,0) + coalesce(cache_write_tokens,0) "
               "+ coalesce(output_tokens,0) + coalesce(reasoning_tokens,0) + coalesce(image_tokens,0)")
# A row needs a price when it used tokens, was not a cache hit, and has no cost.
UNPRICED = f"(cost_usd IS NULL AND cached_from IS NULL AND ({TOKENS_EXPR}) > 0)"
MODEL = "coalesce(model_used, model_requested)"

COST_QUERIES = {
    "totals": f"""SELECT count(*) AS generations, sum(cost_usd) AS cost_usd,
        sum({TOKENS_EXPR}) AS tokens, coalesce(sum(cost_saved_usd), 0) AS saved_usd,
        count(*) FILTER (WHERE cached_from IS NOT NULL) AS cache_hits,
        count(*) FILTER (WHERE {UNPRICED}) AS unpriced FROM generations {{where}}""",
    "by_day_model": f"""SELECT CAST(created_utc AS DATE) AS day, {MODEL} AS model,
        sum({COST_EXPR}) AS cost_usd, count(*) AS generations FROM generations {{where}}
        GROUP BY ALL ORDER BY day""",
    "by_user": f"""SELECT user_id, sum({COST_EXPR}) AS cost_usd, count(*) AS generations,
        sum({TOKENS_EXPR}) AS tokens FROM generations {{where}} GROUP BY ALL ORDER BY cost_usd DESC""",
    "by_model": f"""SELECT {MODEL} AS model, sum({COST_EXPR}) AS cost_usd, count(*) AS generations,
        sum({TOKENS_EXPR}) AS tokens, count(*) FILTER (WHERE {UNPRICED}) AS unpriced
        FROM generations {{where}} GROUP BY ALL ORDER BY cost_usd DESC""",
    "tokens_by_day": f"""SELECT CAST(created_utc AS DATE) AS day,
        sum(coalesce(input_tokens,0)) AS input, sum(coalesce(cache_read_tokens,0)) AS cache_read,
        sum(coalesce(cache_write_tokens,0)) AS cache_write, sum(coalesce(output_tokens,0)) AS output,
        sum(coalesce(reasoning_tokens,0)) AS reasoning, sum(coalesce(image_tokens,0)) AS image
        FROM generations {{where}} GROUP BY ALL ORDER BY day""",
    "savings_by_day": f"""SELECT CAST(created_utc AS DATE) AS day, count(*) AS hits,
        sum(coalesce(cost_saved_usd, 0)) AS saved_usd FROM generations {{where}}
        {{and_}} cached_from IS NOT NULL GROUP BY ALL ORDER BY day""",
    "top": f"""SELECT id, created_utc, user_id, {MODEL} AS model, kind, cost_usd,
        {TOKENS_EXPR} AS tokens, left(prompt, 120) AS prompt FROM generations {{where}}
        {{and_}} cost_usd IS NOT NULL ORDER BY cost_usd DESC LIMIT 10""",
}
