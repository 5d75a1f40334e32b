"""The reference: the same rows in SQLite (what `llm` and Open WebUI log to), the same questions.

Same columns as genlib's table, timestamps as ISO text (as `llm` stores them), WAL mode, and the
indexes a careful developer would add: the primary key and (created_utc DESC, id) for the newest-
first pages. Search is `instr(lower(...))`, the equivalent of genlib's `contains(lower(...))`.
"""
from __future__ import annotations

import sqlite3
from datetime import datetime, time as dtime
from pathlib import Path

import numpy as np
import pandas as pd

from genlib import Generation

from .history import FILTERED_MODEL, FILTERED_USER, questions
from .stats import time_ms

COLS = Generation.COLUMNS
TIMES = ("created_utc", "request_sent_utc", "first_token_utc", "finished_utc")
TOKENS = ("coalesce(input_tokens,0) + coalesce(cache_read_tokens,0) + coalesce(cache_write_tokens,0) "
          "+ coalesce(output_tokens,0) + coalesce(reasoning_tokens,0) + coalesce(image_tokens,0)")
UNPRICED = f"(cost_usd IS NULL AND cached_from IS NULL AND ({TOKENS}) > 0)"
MODEL, DAY = "coalesce(model_used, model_requested)", "substr(created_utc, 1, 10)"
COSTS = [  # genlib's COST_QUERIES in SQLite's dialect
    f"""SELECT count(*), sum(cost_usd), sum({TOKENS}), coalesce(sum(cost_saved_usd), 0),
        count(*) FILTER (WHERE cached_from IS NOT NULL), count(*) FILTER (WHERE {UNPRICED}) FROM generations""",
    f"""SELECT {DAY} AS day, {MODEL} AS model, sum(coalesce(cost_usd, 0)), count(*) FROM generations
        GROUP BY 1, 2 ORDER BY day""",
    f"""SELECT user_id, sum(coalesce(cost_usd, 0)) AS cost, count(*), sum({TOKENS}) FROM generations
        GROUP BY 1 ORDER BY cost DESC""",
    f"""SELECT {MODEL}, sum(coalesce(cost_usd, 0)) AS cost, count(*), sum({TOKENS}),
        count(*) FILTER (WHERE {UNPRICED}) FROM generations GROUP BY 1 ORDER BY cost DESC""",
    f"""SELECT {DAY} AS day, sum(coalesce(input_tokens,0)), sum(coalesce(cache_read_tokens,0)),
        sum(coalesce(cache_write_tokens,0)), sum(coalesce(output_tokens,0)), sum(coalesce(reasoning_tokens,0)),
        sum(coalesce(image_tokens,0)) FROM generations GROUP BY 1 ORDER BY day""",
    f"""SELECT {DAY} AS day, count(*), sum(coalesce(cost_saved_usd, 0)) FROM generations
        WHERE cached_from IS NOT NULL GROUP BY 1 ORDER BY day""",
    f"""SELECT id, created_utc, user_id, {MODEL}, kind, cost_usd, {TOKENS}, substr(prompt, 1, 120)
        FROM generations WHERE cost_usd IS NOT NULL ORDER BY cost_usd DESC LIMIT 10""",
]
PAGE = "ORDER BY created_utc DESC, id LIMIT 51"


class SQLiteReference:
    """Load with `sink(frame)` per batch, then `finish()`, then `timings(...)`."""

    def __init__(self, path: Path):
        self.con = sqlite3.connect(str(path))
        self.con.execute("PRAGMA journal_mode=WAL")
        types = {name: ("INTEGER" if name.endswith(("_tokens", "_estimated")) else
                        "REAL" if name.endswith("_usd") else "TEXT") for name in COLS}
        self.con.execute(f"CREATE TABLE generations ({', '.join(f'{c} {types[c]}' for c in COLS)}, "
                         "PRIMARY KEY (id))")

    def sink(self, frame: pd.DataFrame) -> None:
        frame = frame.reindex(columns=list(COLS))
        for name in TIMES:
            frame[name] = frame[name].to_numpy().astype("datetime64[us]").astype(str)
        frame = frame.astype(object).where(frame.notna(), None)
        marks = ", ".join("?" for _ in COLS)
        self.con.executemany(f"INSERT INTO generations VALUES ({marks})", frame.itertuples(index=False, name=None))
        self.con.commit()

    def finish(self) -> None:
        self.con.execute("CREATE INDEX generations_created ON generations (created_utc DESC, id)")
        self.con.execute("ANALYZE")
        self.con.commit()

    def timings(self, info: dict, sizes) -> dict:
        """Samples in ms per question, same questions as the DuckDB side."""
        term = questions(info)["search"].q.lower()
        since = np.datetime64(datetime.combine(questions(info)["filter"].date_from, dtime.min), "us")
        ids = iter(list(info["sample_ids"]) * 10)
        run = self._fetch
        return {
            "search": time_ms(lambda: run(f"SELECT * FROM generations WHERE (instr(lower(prompt), ?) > 0 "
                                          f"OR instr(lower(result_text), ?) > 0) {PAGE}", [term, term]),
                              sizes.sqlite_trials),
            "filter": time_ms(lambda: run(f"SELECT * FROM generations WHERE user_id = ? AND (model_requested = ? "
                                          f"OR model_used = ?) AND created_utc >= ? {PAGE}",
                                          [FILTERED_USER, FILTERED_MODEL, FILTERED_MODEL, str(since)]),
                              sizes.sqlite_trials),
            "costs": time_ms(lambda: [run(q, []) for q in COSTS], sizes.sqlite_trials),
            "get": time_ms(lambda: run("SELECT * FROM generations WHERE id = ?", [next(ids)]),
                           sizes.query_trials * 5),
        }

    def search_timings(self, questions: dict, trials: int) -> dict:
        """The issue 12 search questions (bench.search): substring scans, OFFSET for the deep page."""
        def page(filters, offset=0):
            terms = [filters.q.strip('"').lower()]
            where = "(instr(lower(prompt), ?) > 0 OR instr(lower(result_text), ?) > 0)"
            params = [terms[0], terms[0]]
            if filters.status:
                where, params = f"{where} AND status = ?", [*params, filters.status]
            return self._fetch(f"SELECT * FROM generations WHERE {where} ORDER BY created_utc DESC, id "
                               f"LIMIT 51 OFFSET {offset}", params)
        out = {name: time_ms(lambda f=f: page(f), trials) for name, f in questions.items() if name != "deep"}
        out["deep"] = time_ms(lambda: page(questions["deep"], 50 * 19), trials)
        return out

    def _fetch(self, query: str, params: list) -> list:
        return self.con.execute(query, params).fetchall()

    def close(self) -> None:
        self.con.close()
