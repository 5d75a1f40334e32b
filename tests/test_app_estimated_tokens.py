"""Token counts the provider never reported (llama.cpp's server sends no usage) say "estimated"
wherever they appear: the generation page's summary and details, History, Costs, and the CLI."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.budget_helpers import seed_spend

ROOT = Path(__file__).resolve().parents[1]
ESTIMATED = dict(usage_estimated=True, input_tokens=12, output_tokens=30, finish_reason="length")
REPORTED = dict(usage_estimated=False, input_tokens=5, output_tokens=7, finish_reason="stop")


def seed_both(vault) -> tuple[str, str]:
    estimated = seed_spend(vault, "local", None, model="gemma-3-270m", prompt="local answer", **ESTIMATED)
    reported = seed_spend(vault, "local", "0.001", model="gpt-4o-mini", prompt="hosted answer", **REPORTED)
    return estimated, reported


def captions(at) -> str:
    return "\n".join(str(c.value) for c in at.caption)


def test_generation_page_summary_and_details_say_estimated(open_app, app_vault):
    estimated, reported = seed_both(app_vault)
    at = open_app("pages/generate.py", id=estimated)
    assert not at.exception
    assert "42 (input 12, output 30) tokens (estimated) · unpriced" in captions(at)
    details = dict(zip(at.dataframe[0].value["Field"], at.dataframe[0].value["Value"]))
    assert details["Tokens"] == "42 (input 12, output 30) (estimated)"
    assert details["Ended because"] == "length"
    at = open_app("pages/generate.py", id=reported)
    assert "12 (input 5, output 7) tokens · $0.001" in captions(at) and "estimated" not in captions(at)


def test_history_has_a_usage_column_saying_estimated_or_reported(open_app, app_vault):
    seed_both(app_vault)
    frame = open_app("pages/history.py").dataframe[0].value
    usage = dict(zip(frame["Prompt"], zip(frame["Tokens"], frame["Usage"])))
    assert usage == {"local answer": (42, "estimated"), "hosted answer": (12, "reported")}


def test_costs_say_the_tokens_include_estimated_ones(open_app, app_vault):
    seed_both(app_vault)
    seed_spend(app_vault, "local", "0.002", model="gemma-3-270m", prompt="priced local answer", **ESTIMATED)
    at = open_app("pages/costs.py")
    assert not at.exception
    metric = next(m for m in at.metric if m.label.startswith("Tokens"))
    assert metric.label == "Tokens (includes estimated)" and metric.value == "96"
    assert "Includes 84 estimated tokens" in captions(at)
    top = next(d.value for d in at.dataframe if "Usage" in d.value.columns)  # the ten most expensive
    rows = dict(zip(top["Prompt"], zip(top["Cost"], top["Usage"])))
    assert rows == {"priced local answer": ("$0.002 (estimated)", "estimated"), "hosted answer": ("$0.001", "reported")}


def test_costs_without_estimated_tokens_say_nothing_of_it(open_app, app_vault):
    seed_spend(app_vault, "local", "0.001", model="gpt-4o-mini", prompt="hosted answer", **REPORTED)
    at = open_app("pages/costs.py")
    assert [m.label for m in at.metric if m.label.startswith("Tokens")] == ["Tokens"]
    assert "estimated tokens" not in captions(at)


def test_cli_show_list_and_costs_say_estimated(tmp_path, app_vault):
    estimated, reported = seed_both(app_vault)
    app_vault.close()  # one process may open the database: the CLI's turn
    env = {**os.environ, "GENLIB_DATA_DIR": str(tmp_path / "data")}

    def cli(*args) -> str:
        out = subprocess.run([sys.executable, "-m", "genlib", *args], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return out.stdout

    assert "42 tokens (estimated)  cost: unpriced" in cli("show", estimated)
    assert "12 tokens  cost: $0.001" in cli("show", reported)
    listed = {line.split()[0]: line for line in cli("list").splitlines()}
    assert "42 tokens (estimated)" in listed[estimated] and "estimated" not in listed[reported]
    assert "54 tokens (42 estimated)" in cli("costs")
