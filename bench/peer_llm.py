"""The peer: Simon Willison's `llm` library, logging each response to SQLite after the stream.

`llm` is pointed at the same loopback server through an `extra-openai-models.yaml` in a temp
LLM_USER_PATH (`api_base`), and logs with `response.log_to_db()` to a migrated `logs.db`, as
its CLI does. Per generation, same prompts, alternating who goes first:
- llm: `model.prompt(..., stream=True)`, read every chunk, `log_to_db`;
- genlib: `vault.start()`, read every piece with `vault.follow()` (returns once the final record
  is committed).
`peer_llm_ratio` = median over pairs of genlib time / llm time (below 1: genlib is faster).
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from . import server
from .harness import MODEL, USER, request
from .stats import p50, paired_ratio, ratio, summary

MODEL_ID = "bench-loopback"


def load_llm(user_dir: Path, base_url: str):
    """(model, db), or raise ImportError when llm isn't installed (requirements-bench.txt)."""
    import llm
    import sqlite_utils
    from llm.migrations import migrate

    user_dir.mkdir(parents=True, exist_ok=True)
    (user_dir / "extra-openai-models.yaml").write_text(
        f"- model_id: {MODEL_ID}\n  model_name: {MODEL}\n  api_base: \"{base_url}\"\n")
    os.environ["LLM_USER_PATH"] = str(user_dir)
    db = sqlite_utils.Database(user_dir / "logs.db")
    migrate(db)
    return llm.get_model(MODEL_ID), db


def _llm_once(model, db, text: str) -> tuple[float, str]:
    start = time.perf_counter()
    response = model.prompt(text, stream=True)
    answer = "".join(response)
    response.log_to_db(db)
    return time.perf_counter() - start, answer


def _genlib_once(vault, text: str) -> tuple[float, str]:
    start = time.perf_counter()
    answer = "".join(vault.follow(vault.start(request(text), USER)))
    return time.perf_counter() - start, answer


def peer(vault, base_url: str, user_dir: Path, sizes) -> dict:
    """peer_llm_ratio, or null with a reason when llm isn't installed."""
    try:
        model, db = load_llm(user_dir, base_url)
    except ImportError as exc:
        reason = f"llm is not installed ({exc}): pip install -r requirements-bench.txt"
        return {"peer_llm_ratio": None, "details": {"peer_llm": {"reason": reason}}}
    expected = server.expected_text(sizes.peer_tokens)
    llm_s, gen_s, same = [], [], True
    for i in range(sizes.peer_pairs + 1):  # pair 0 warms both up, untimed
        text = server.prompt(sizes.peer_tokens, 0, f"peer-{i}")
        for side in (("llm", "gen") if i % 2 == 0 else ("gen", "llm")):
            took, answer = _llm_once(model, db, text) if side == "llm" else _genlib_once(vault, text)
            same = same and answer == expected
            if i:
                (llm_s if side == "llm" else gen_s).append(took * 1000.0)
    logged = db["turns"].count if "turns" in db.table_names() else None  # llm 0.36 logs turns
    return {"peer_llm_ratio": paired_ratio(gen_s, llm_s),
            "details": {"peer_llm_ratio_of_medians": ratio(p50(gen_s), p50(llm_s)),"peer_llm_ms": summary(llm_s, 2), "peer_genlib_ms": summary(gen_s, 2),
                        "peer_answers_complete": same, "peer_tokens": sizes.peer_tokens,
                        "llm_rows_logged": logged}}
