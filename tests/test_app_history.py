"""AppTest: the History page — filters from the URL, paging, row links, export, empty state."""
from __future__ import annotations

import json
import os

import pandas as pd
import pytest

from genlib import GenerationRequest
from tests.apptext import unescaped

HISTORY = "pages/history.py"


def seed(vault, prompts, user="local", model="offline-demo", kind="text"):
    ids = [vault.start(GenerationRequest(p, model, kind=kind), user) for p in prompts]
    return [vault.wait(i, timeout=20).id for i in ids]


def table(at) -> pd.DataFrame:
    return at.dataframe[0].value


def ids_in(at) -> list[str]:
    return list(table(at)["Id"])


def test_empty_history_invites_a_first_generation(open_app):
    at = open_app(HISTORY)
    assert not at.exception and "No generations yet" in at.info[0].value
    assert any(link.label == "Make your first generation" for link in at.get("page_link"))


def test_newest_first_with_ids_and_labelled_filters(open_app, app_vault):
    ids = seed(app_vault, ["alpha question", "beta question", "gamma question"])
    at = open_app(HISTORY)
    assert ids_in(at) == ids[::-1]  # the id itself, to read and copy
    frame = table(at)
    # Single-user mode: no User column or filter; no Kind column (the thumbnail says it), so the Id fits.
    assert list(frame.columns) == ["Time", "Prompt", "Image", "Model", "Status", "Tokens", "Cost", "Id"]
    assert set(frame["Cost"]) == {"$0"} and set(frame["Status"]) == {"complete"}
    assert frame["Image"].isna().all()  # drawn blank (placeholder ""), not "None"
    assert at.dataframe[0].proto.placeholder == ""
    assert {w.label for w in at.text_input} == {"Search"}
    assert {w.label for w in at.selectbox} >= {"Order", "Model", "Status", "Kind", "Export format"}
    assert {w.label for w in at.date_input} == {"From", "To"}
    assert not [link for link in at.get("page_link") if "question" in link.label]  # no link list repeating it
    assert at.expander[0].label == "Filters"  # collapsed: on a phone the rows show on the first screen


def test_the_model_filter_offers_the_models_in_the_data(open_app, app_vault):
    seed(app_vault, ["alpha question"])
    [image_id] = seed(app_vault, ["a red fox"], model="offline-demo-image", kind="image")
    at = open_app(HISTORY)
    assert at.selectbox(key="model").options == ["any", "offline-demo", "offline-demo-image"]
    at.selectbox(key="model").select("offline-demo-image").run()
    assert ids_in(at) == [image_id]
    assert unescaped(at.expander[0].label) == "Filters: model offline-demo-image"
    at = open_app(HISTORY, model="gpt-4o-mini")  # a bookmarked model with no rows stays chosen
    assert at.selectbox(key="model").value == "gpt-4o-mini" and "No generation matches" in at.info[0].value


def test_search_and_filters_come_from_the_url(open_app, app_vault):
    seed(app_vault, ["alpha question", "beta question"])
    [image_id] = seed(app_vault, ["a red fox"], model="offline-demo-image", kind="image")
    at = open_app(HISTORY, q="ALPHA")
    assert at.text_input(key="q").value == "ALPHA"
    assert list(table(at)["Match"]) == ["«alpha» question"]
    at = open_app(HISTORY, kind="image", status="complete")
    assert ids_in(at) == [image_id]
    assert table(at)["Image"][0].startswith("data:image/webp;base64,")
    at = open_app(HISTORY, model="offline-demo", to="2001-01-01")
    assert "No generation matches" in at.info[0].value


def test_bad_filter_values_are_reported_not_fatal(open_app, app_vault):
    seed(app_vault, ["alpha question"])
    at = open_app(HISTORY, status="bogus", **{"from": "2024-13-45"})
    assert not at.exception
    warnings = " ".join(unescaped(w.value) for w in at.warning)
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


def _read_export(path, fmt: str) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(path)
    if fmt == "jsonl":
        return pd.DataFrame([json.loads(line) for line in path.read_text().splitlines()])
    return pd.read_parquet(path)


@pytest.mark.parametrize("label,fmt", [("CSV", "csv"), ("JSONL", "jsonl"), ("Parquet", "parquet")])
def test_export_writes_the_filtered_view_and_offers_its_download_link(open_app, app_vault, label, fmt):
    seed(app_vault, ["alpha question", "beta question"])
    old = app_vault.data_dir / "exports" / "stale"
    old.mkdir(parents=True)
    os.utime(old, (0, 0))  # an export saved long ago is removed by the next one
    at = open_app(HISTORY, q="beta")
    at.selectbox(key="export_format").select(label).run()
    at.button(key="export").click().run()
    assert not at.exception
    saved = list((app_vault.data_dir / "exports").glob(f"*/genvault-history.{fmt}"))
    assert len(saved) == 1 and not old.exists()
    assert list(_read_export(saved[0], fmt)["prompt"]) == ["beta question"]
    link = at.get("link_button")[0].proto
    assert link.url == f"files/export/{saved[0].parent.name}/genvault-history.{fmt}"
    assert link.label.startswith(f"Download genvault-history.{fmt}")
    assert not at.get("download_button")  # nothing is held in the session's memory


def test_the_download_link_is_only_offered_for_the_view_it_was_made_from(open_app, app_vault):
    seed(app_vault, ["alpha question", "beta question"])
    at = open_app(HISTORY, q="beta")
    at.button(key="export").click().run()
    assert at.get("link_button")
    at.text_input(key="q").set_value("alpha").run()
    assert not at.get("link_button")


def test_a_search_shows_the_count_and_each_rows_match_highlighted_safely(open_app, app_vault):
    seed(app_vault, ["plain question", "needle in *a* [haystack](http://x) <b>raw</b>"])
    at = open_app(HISTORY, q="needle")
    assert "1 match" in [c.value for c in at.caption]
    frame = table(at)
    assert list(frame.columns)[1] == "Match" and "Prompt" not in frame  # in the prompt's place: the Id still fits
    assert frame["Match"][0].startswith("«needle» in *a* [haystack]")  # grid cells are plain text
    at = open_app(HISTORY, q="in -plain")  # a short term and an excluded one
    assert "Match" in table(at).columns and "1 match" in [c.value for c in at.caption]


def test_next_page_is_a_bookmarkable_keyset_cursor(open_app, app_vault, monkeypatch):
    monkeypatch.setattr("ui.history.PAGE_SIZE", 2)
    ids = seed(app_vault, [f"keyset row {i}" for i in range(5)])[::-1]
    at = open_app(HISTORY, q="keyset")
    assert "5 matches" in [c.value for c in at.caption]
    at.button(key="next_page").click().run()
    after = at.query_params["after"]
    assert at.query_params["page"] == "2" and after.endswith("," + ids[1]) and ids_in(at) == ids[2:4]
    seed(app_vault, ["keyset row arriving later"])  # a bookmark still shows the same rows
    at = open_app(HISTORY, q="keyset", page=2, after=after)
    assert ids_in(at) == ids[2:4]
    at.button(key="prev_page").click().run()  # reached by a bookmark: counted from the newest
    assert "after" not in at.query_params and at.query_params.get("page") in (None, "1")
    at = open_app(HISTORY, q="keyset", after="not-a-position")
    assert any("not a page position" in w.value for w in at.warning) and len(table(at)) == 2


def test_an_export_lists_the_rows_in_the_tables_order(open_app, app_vault):
    seed(app_vault, ["first question", "second question", "third question"])
    at = open_app(HISTORY)
    at.selectbox(key="export_format").select("JSONL").run()
    at.button(key="export").click().run()
    [saved] = (app_vault.data_dir / "exports").glob("*/genvault-history.jsonl")
    lines = [json.loads(line) for line in saved.read_text().splitlines()]
    assert [r["id"] for r in lines] == ids_in(at)  # newest first, like the table
    assert lines[0]["messages_json"] == [{"role": "user", "content": "third question"}]  # an object, not a string


def test_back_on_history_with_the_id_streamlit_left_restores_the_view_it_was_opened_from(open_app, app_vault):
    """Streamlit writes an opened row's `id` into History's own URL first (ui/backnav.py): Back lands there."""
    ids = seed(app_vault, ["alpha question", "beta question"])
    at = open_app(HISTORY, id=ids[0], status="complete")  # a fresh session: keep the rest of the URL
    assert not at.exception and "id" not in at.query_params and at.query_params["status"] == "complete"
    assert sorted(ids_in(at)) == sorted(ids)
    at = open_app(HISTORY, q="beta", kind="text")
    at.session_state["backnav_opened_from"] = (HISTORY, {"q": "beta", "kind": "text"})  # what a row click keeps
    at.switch_page("pages/generate.py")
    at.query_params.clear()
    at.query_params["id"] = ids[1]
    at.run()
    assert at.title[0].value == "Generation"
    at.switch_page(HISTORY)  # Back: History again, with the id Streamlit left in its URL
    at.run()
    assert {k: v if isinstance(v, str) else v[0] for k, v in at.query_params.items()} == {"q": "beta", "kind": "text"}
    assert at.text_input(key="q").value == "beta" and ids_in(at) == [ids[1]]


def test_filter_values_from_a_hand_made_url_show_as_text_in_the_filters_label(open_app, app_vault):
    seed(app_vault, ["alpha question"])
    at = open_app(HISTORY, model="![x](http://evil.example/q)")
    label = at.expander[0].label
    assert label == "Filters: model \\!\\[x\\]\\(http\\:\\/\\/evil\\.example\\/q\\)"  # no image can load from it


def test_a_reversed_date_range_is_swapped_in_the_pickers_too(open_app, app_vault):
    from datetime import timedelta

    from genlib.clock import utcnow

    ids = seed(app_vault, ["dated one"])
    today = utcnow().date()
    at = open_app(HISTORY, **{"from": today.isoformat(), "to": (today - timedelta(days=3)).isoformat()})
    assert not at.exception
    assert at.date_input(key="from").value == today - timedelta(days=3) and at.date_input(key="to").value == today
    assert [unescaped(w.value) for w in at.warning] == ["The date range was inverted (From after To); swapped it."]
    assert ids_in(at) == ids
    at.date_input(key="from").set_value(today + timedelta(days=2)).run()  # moved past To by hand
    assert at.date_input(key="from").value == today and at.date_input(key="to").value == today + timedelta(days=2)
    assert not at.exception and ids_in(at) == ids
    assert [unescaped(w.value) for w in at.warning] == ["The date range was inverted (From after To); swapped it."]
