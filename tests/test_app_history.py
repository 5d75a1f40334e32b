"""AppTest: the History page — filters from the URL, paging, row links, export, empty state."""
from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from genlib import Filters, GenerationRequest

HISTORY = "pages/history.py"


def seed(vault, prompts, user="local", model="offline-demo", kind="text"):
    ids = [vault.start(GenerationRequest(p, model, kind=kind), user) for p in prompts]
    return [vault.wait(i, timeout=20).id for i in ids]


def table(at) -> pd.DataFrame:
    return at.dataframe[0].value


def ids_in(at) -> list[str]:
    return [href.split("id=")[1] for href in table(at)["Id"]]


def test_empty_history_invites_a_first_generation(open_app):
    at = open_app(HISTORY)
    assert not at.exception and "No generations yet" in at.info[0].value
    assert any(link.label == "Make your first generation" for link in at.get("page_link"))


def test_newest_first_with_links_and_labelled_filters(open_app, app_vault):
    ids = seed(app_vault, ["alpha question", "beta question", "gamma question"])
    at = open_app(HISTORY)
    assert ids_in(at) == ids[::-1]
    frame = table(at)
    assert list(frame.columns) == ["Time", "User", "Model", "Kind", "Status", "Tokens", "Usage", "Cost", "Prompt", "Image",
                                   "Id"]
    assert set(frame["Cost"]) == {"$0"} and set(frame["Status"]) == {"complete"}
    assert {w.label for w in at.text_input} == {"Search", "Model", "User"}
    assert {w.label for w in at.selectbox} >= {"Status", "Kind", "Export format"}
    assert {w.label for w in at.date_input} == {"From", "To"}
    links = [link for link in at.get("page_link") if "question" in link.label]
    assert len(links) == 3


def test_search_and_filters_come_from_the_url(open_app, app_vault):
    seed(app_vault, ["alpha question", "beta question"])
    [image_id] = seed(app_vault, ["a red fox"], model="offline-demo-image", kind="image")
    at = open_app(HISTORY, q="ALPHA")
    assert at.text_input(key="q").value == "ALPHA"
    assert [p for p in table(at)["Prompt"]] == ["alpha question"]
    at = open_app(HISTORY, kind="image", status="complete")
    assert ids_in(at) == [image_id]
    assert table(at)["Image"][0].startswith("data:image/webp;base64,")
    at = open_app(HISTORY, model="offline-demo", to="2001-01-01")
    assert "No generation matches" in at.info[0].value


def test_bad_filter_values_are_reported_not_fatal(open_app, app_vault):
    seed(app_vault, ["alpha question"])
    at = open_app(HISTORY, status="bogus", **{"from": "2024-13-45"})
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "Unknown status 'bogus'" in warnings and "not a date" in warnings
    assert len(table(at)) == 1


def test_paging_keeps_the_page_in_the_url(open_app, app_vault, monkeypatch):
    monkeypatch.setattr("ui.history.PAGE_SIZE", 2)
    ids = seed(app_vault, [f"prompt number {i}" for i in range(5)])[::-1]
    at = open_app(HISTORY)
    assert ids_in(at) == ids[:2] and at.button(key="prev_page").disabled
    at.button(key="next_page").click().run()
    assert at.query_params["page"] == "2" and ids_in(at) == ids[2:4]
    at = open_app(HISTORY, page=3)
    assert ids_in(at) == ids[4:] and at.button(key="next_page").disabled
    at.text_input(key="q").input("prompt number").run()  # a new search starts at page 1
    assert "page" not in at.query_params and ids_in(at) == ids[:2]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_export_of_the_filtered_view(open_app, app_vault, fmt):
    from ui.history import export_bytes
    seed(app_vault, ["alpha question", "beta question"])
    at = open_app(HISTORY, q="beta")
    assert at.get("download_button")[0].label == "Export"
    data = export_bytes(app_vault, Filters(q="beta"), fmt)
    if fmt == "csv":
        rows = pd.read_csv(io.BytesIO(data))
    elif fmt == "jsonl":
        rows = pd.DataFrame([json.loads(line) for line in data.decode().splitlines()])
    else:
        rows = pd.read_parquet(io.BytesIO(data))
    assert list(rows["prompt"]) == ["beta question"]
