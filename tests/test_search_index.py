"""The search index: kept in step by the writer, caught up after a crash, visibility, keyset pages."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from genlib import Filters, GenerationRequest
from genlib.search.index import SCHEMA_VERSION, SearchIndex, row_of
from tests.vaults import make_vault

CHILD = Path(__file__).with_name("index_crash_child.py")


def _generate(vault, prompt: str, user: str = "ana") -> str:
    gen_id = vault.start(GenerationRequest(prompt=prompt, model="offline-demo"), user_id=user, force=True)
    vault.wait(gen_id, timeout=30)
    return gen_id


def _doc_status(data: Path, gen_id: str) -> str | None:
    index = SearchIndex(data / "search.sqlite")
    try:
        rows = index.execute("SELECT status FROM docs WHERE id = ?", [gen_id])
        return rows[0][0] if rows else None
    finally:
        index.close()


def test_a_crash_between_the_record_and_the_index_is_caught_up_at_start(tmp_path):
    data = tmp_path / "data"
    child = subprocess.run([sys.executable, str(CHILD), str(data), "crashword7 survives"], capture_output=True,
                           text=True, timeout=60)
    gen_id = child.stdout.strip()
    assert child.returncode == 70, child.stderr  # died after the final commit, before indexing it
    assert _doc_status(data, gen_id) in ("pending", "streaming")  # the index never saw it end
    vault = make_vault(data)
    try:
        assert vault.get(gen_id).status == "complete"
        page = vault.search(Filters(q="crashword7", status="complete"))
        assert [g.id for g in page.items] == [gen_id] and page.total == 1
    finally:
        vault.close()
    assert _doc_status(data, gen_id) == "complete"


def test_finished_generations_are_findable_by_any_substring(tmp_path):
    vault = make_vault(tmp_path)
    try:
        gen_id = _generate(vault, "Deploy service order_id=98431 to ÉTÉ-cluster")
        for q in ("rder_id=984", "98431", "été-clu", '"service order"', "id", "Deploy -nothere"):
            assert [g.id for g in vault.search(Filters(q=q)).items] == [gen_id], q
        literal = _generate(vault, "rate 50%_off today")
        _generate(vault, "rate 50xyoff today")
        assert [g.id for g in vault.search(Filters(q="50%_off")).items] == [literal]
        for q in ("98432", "-service -rate", '"order service"', "zz"):
            assert vault.search(Filters(q=q)).items == [], q
    finally:
        vault.close()


def test_a_record_is_never_found_by_a_user_who_cannot_see_it(tmp_path):
    vault = make_vault(tmp_path)
    try:
        mine, theirs = _generate(vault, "secretplan alpha", "ana"), _generate(vault, "secretplan beta", "bob")
        assert [g.id for g in vault.search(Filters(q="secretplan", visible_to="ana")).items] == [mine]
        assert vault.search(Filters(q="secretplan", visible_to="ana")).total == 1
        assert [g.id for g in vault.search(Filters(q="beta", visible_to="ana")).items] == []
        assert {g.id for g in vault.search(Filters(q="secretplan")).items} == {mine, theirs}
        assert [g.id for g in vault.search(Filters(q="secretplan", user_id="bob")).items] == [theirs]
    finally:
        vault.close()


def test_keyset_pages_cover_everything_once_and_a_bookmark_reproduces_its_page(tmp_path):
    vault = make_vault(tmp_path)
    try:
        ids = [_generate(vault, f"pagedword number {i}") for i in range(7)]
        seen, after, pages = [], None, []
        while True:
            page = vault.search(Filters(q="pagedword"), page_size=3, after=after)
            pages.append((after, [g.id for g in page.items]))
            seen += [g.id for g in page.items]
            assert page.total == 7
            if not page.has_more:
                break
            after = page.next_after
        assert seen == ids[::-1] and len(pages) == 3
        _generate(vault, "pagedword arrives later")  # new rows don't shift a bookmarked page
        bookmark, expected = pages[1]
        assert [g.id for g in vault.search(Filters(q="pagedword"), page_size=3, after=bookmark).items] == expected
        assert [g.id for g in vault.search(Filters(), page_size=3, after=bookmark).items] == expected
    finally:
        vault.close()


def test_a_count_that_would_need_more_work_says_at_least_and_pages_stay_whole(tmp_path, monkeypatch):
    monkeypatch.setattr("genlib.search.plan.COUNT_WORK", 3)  # candidates checked for the count
    vault = make_vault(tmp_path)
    try:
        ids = [_generate(vault, f"countedword {'big' if i % 3 else 'small'} {i}") for i in range(8)][::-1]
        page = vault.search(Filters(q="countedword"), page_size=2)
        assert [g.id for g in page.items] == ids[:2] and page.total_capped and page.total == 3
        seen, after = [], None
        while True:  # pages past the counted rows come from their cursor, whole
            page = vault.search(Filters(q="countedword"), page_size=2, after=after)
            seen += [g.id for g in page.items]
            if not page.has_more:
                break
            after = page.next_after
        assert seen == ids
        page = vault.search(Filters(q="countedword"), page_size=20)  # every candidate read: exact
        assert len(page.items) == 8 and page.total == 8 and not page.total_capped
        bigs = vault.search(Filters(q="countedword -small"), page_size=20)  # candidates that fail the check
        assert [g.id for g in bigs.items] == [i for n, i in enumerate(ids[::-1]) if n % 3][::-1]
        assert bigs.total == 5 and not bigs.total_capped
    finally:
        vault.close()


def test_the_scan_used_while_the_index_builds_gives_the_same_pages(tmp_path):
    vault = make_vault(tmp_path)
    try:
        for i in range(5):
            _generate(vault, f"scanword {i} {'odd' if i % 2 else 'even'}")
        queries = [Filters(q="scanword -odd"), Filters(q='"word 3"'), Filters(status="complete")]
        indexed = [[g.id for g in vault.search(f, page_size=2).items] for f in queries]
        vault.store.history.ready.clear()  # as during a background build
        assert [[g.id for g in vault.search(f, page_size=2).items] for f in queries] == indexed
    finally:
        vault.close()


def test_a_live_generation_is_findable_by_its_streamed_text(tmp_path):
    vault = make_vault(tmp_path, offline_tokens_per_s=20.0)
    try:
        gen_id = vault.start(GenerationRequest(prompt="tell me a story", model="offline-demo"), user_id="ana")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            live = vault.get(gen_id)
            words = [w for w in live.result_text.split() if len(w) >= 5]
            if live.status == "streaming" and len(words) >= 3:
                found = vault.search(Filters(q=words[2], status="streaming")).items
                if [g.id for g in found] == [gen_id]:
                    break
            time.sleep(0.2)
        else:
            pytest.fail("the streamed text never became searchable while live")
        vault.cancel(gen_id)
    finally:
        vault.close()


@pytest.mark.parametrize("damage", ["lost", "garbage", "older schema", "previous schema"])
def test_a_lost_or_damaged_index_is_rebuilt_at_start(tmp_path, damage):
    vault = make_vault(tmp_path)
    gen_id = _generate(vault, "rebuiltword here")
    vault.close()
    if damage == "previous schema":  # complete, as the version before the phrases column left it
        con = sqlite3.connect(tmp_path / "search.sqlite")
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
        con.close()
    else:
        for path in tmp_path.glob("search.sqlite*"):
            path.unlink()
    if damage == "garbage":
        (tmp_path / "search.sqlite").write_bytes(b"not a database at all" * 100)
    if damage == "older schema":  # as schema 1 left it, complete: an upgrade must not trust it
        con = sqlite3.connect(tmp_path / "search.sqlite")
        con.executescript("CREATE TABLE docs (rowid INTEGER PRIMARY KEY, id TEXT); CREATE TABLE meta (key TEXT "
                          "PRIMARY KEY, value TEXT); INSERT INTO meta VALUES ('complete', '1'); "
                          "PRAGMA user_version = 1;")
        con.close()
    vault = make_vault(tmp_path)
    try:
        assert vault.store.history.ready.is_set()
        assert [g.id for g in vault.search(Filters(q="rebuiltword")).items] == [gen_id]
    finally:
        vault.close()


def test_a_large_history_builds_its_index_in_the_background(tmp_path, monkeypatch):
    vault = make_vault(tmp_path)
    ids = [_generate(vault, f"backgroundword {i}") for i in range(3)]
    vault.close()
    for path in tmp_path.glob("search.sqlite*"):
        path.unlink()
    monkeypatch.setattr("genlib.search.history.BUILD_AT_START_ROWS", 2)
    vault = make_vault(tmp_path)
    try:
        assert [g.id for g in vault.search(Filters(q="backgroundword")).items] == ids[::-1]  # scan or index
        assert vault.store.history.ready.wait(20)
        later = _generate(vault, "backgroundword later")
        page = vault.search(Filters(q="backgroundword"))
        assert [g.id for g in page.items] == [later, *ids[::-1]] and page.total == 4
    finally:
        vault.close()


def test_a_fresh_build_skips_records_the_writer_indexed_meanwhile(tmp_path):
    vault = make_vault(tmp_path)
    try:
        gen_id = _generate(vault, "racedword")
        row = vault.store.search_index.execute("SELECT rowid FROM docs WHERE id = ?", [gen_id])
        vault.store.search_index.clear()
        vault.store.search_index.upsert([row_of(vault.get(gen_id))])  # the writer, during the build
        batch = next(vault.store.index_batches(None))
        vault.store.search_index.append_fresh(batch)  # as a build that read the row before it was indexed
        assert vault.store.search_index.execute("SELECT rowid FROM docs WHERE id = ?", [gen_id]) == row
        assert [g.id for g in vault.search(Filters(q="racedword")).items] == [gen_id]
    finally:
        vault.close()


def test_an_index_that_cannot_catch_up_leaves_search_on_the_scan(tmp_path, monkeypatch):
    vault = make_vault(tmp_path)
    gen_id = _generate(vault, "fallbackword")
    vault.close()

    def broken(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr("genlib.search.history.catch_up", broken)
    vault = make_vault(tmp_path)
    try:
        assert not vault.store.history.ready.is_set()
        assert [g.id for g in vault.search(Filters(q="fallbackword")).items] == [gen_id]
    finally:
        vault.close()
