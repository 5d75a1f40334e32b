"""The History page: newest first, searched and filtered from the URL, paged, exportable.

Every filter widget, and the page number, is bound to a query parameter, so
`/history?q=...&status=...&page=2` reproduces the view. Bad values in a hand-edited URL are reported (the widgets would silently drop them).
Paging asks `vault.search` for one page and `has_more`, never for a count, so it stays fast.
"""
from __future__ import annotations

import shutil
import time
from dataclasses import replace
from pathlib import Path

import streamlit as st

from genlib import KINDS, STATUSES, Filters, new_id

from .auth import Viewer
from .nav import GENERATE
from .render import DATE_RANGE, url_problems
from .tables import generation_table, history_frame, row_links

PAGE_SIZE = 50
MAX_PAGE = 1_000_000
EXPORT_KEEP_S = 3600  # saved exports are removed an hour later, at the next export
INLINE_MAX_BYTES = 64 * 1_048_576  # the largest export the download button serves (from memory)
EXPORTS = {"CSV": ("csv", "text/csv"), "JSONL": ("jsonl", "application/x-ndjson"),
           "Parquet": ("parquet", "application/vnd.apache.parquet")}


def show_history(vault, viewer: Viewer) -> None:
    st.title("History")
    raw = st.query_params.to_dict()
    _, problems = Filters.from_query(raw)  # before the bound widgets drop what they can't show
    filters, more = _filter_widgets(viewer)
    for problem in dict.fromkeys(problems + more + url_problems(raw, MAX_PAGE)):
        st.warning(problem, icon=":material/filter_alt_off:")
    body, pager = st.container(), st.container()
    with pager:  # drawn below the table, but its bound page number is needed first
        page_no = st.number_input("Page", min_value=1, max_value=MAX_PAGE, value=1, step=1, key="page",
                                  bind="query-params", width=160)
    page = vault.search(filters, page_no, PAGE_SIZE)
    with body:
        if page.items:
            generation_table(history_frame(vault, page.items), [g.id for g in page.items], "history_table")
            row_links(page.items)
        else:
            _empty(filters, page_no)
    with pager:
        _pager_buttons(page.page, page.has_more)
    _export(vault, filters)


def _filter_widgets(viewer: Viewer) -> tuple[Filters, list[str]]:
    bound = dict(bind="query-params", on_change=_first_page)
    st.text_input("Search", key="q", placeholder="Words in the prompt or the answer", **bound)
    cols = st.columns(6 if viewer.is_admin else 5)
    cols[0].text_input("Model", key="model", **bound)
    cols[1].selectbox("Status", ("", *STATUSES), format_func=lambda s: s or "any", key="status", **bound)
    cols[2].selectbox("Kind", ("", *KINDS), format_func=lambda s: s or "any", key="kind", **bound)
    cols[3].date_input("From", value=None, key="from", **DATE_RANGE, **bound)
    cols[4].date_input("To", value=None, key="to", **DATE_RANGE, **bound)
    if viewer.is_admin:  # others only ever see their own rows: a user filter would be noise
        cols[5].text_input("User", key="user", **bound)
    state = st.session_state
    values = {name: state.get(name) for name in ("q", "model", "status", "kind", "user")}
    values.update({name: state[name].isoformat() for name in ("from", "to") if state.get(name)})
    filters, problems = Filters.from_query(values)
    return replace(filters, visible_to=viewer.visible_to), problems


def _first_page() -> None:
    # The page number is a bound widget too: changing it through session state keeps the URL right.
    st.session_state["page"] = 1


def _step(delta: int) -> None:
    st.session_state["page"] = min(max(1, int(st.session_state.get("page") or 1) + delta), MAX_PAGE)


def _pager_buttons(page_no: int, has_more: bool) -> None:
    prev, nxt, _ = st.columns([1, 1, 4])
    prev.button("Previous page", key="prev_page", disabled=page_no <= 1, on_click=_step, args=(-1,))
    nxt.button("Next page", key="next_page", disabled=not has_more, on_click=_step, args=(1,))


def _empty(filters: Filters, page_no: int) -> None:
    if page_no > 1:
        st.info("No more generations on this page.")
    elif replace(filters, visible_to=None) != Filters():
        st.info("No generation matches these filters.", icon=":material/search_off:")
    else:
        st.info("No generations yet. Everything you generate is saved here, with its cost.",
                icon=":material/inbox:")
        st.page_link(GENERATE, label="Make your first generation", icon=":material/auto_awesome:")


def export_file(vault, filters: Filters, fmt: str, progress=None) -> Path:
    """The filtered rows written to a file of their own under `<data dir>/exports/<random id>/`, in
    bounded memory; exports older than EXPORT_KEEP_S are removed first."""
    root = vault.data_dir / "exports"
    _remove_old_exports(root)
    folder = root / new_id()
    folder.mkdir(parents=True)
    return vault.export(folder / f"genvault-history.{fmt}", fmt, filters, progress)


def _remove_old_exports(root: Path) -> None:
    if not root.is_dir():
        return
    for folder in root.iterdir():
        if folder.is_dir() and time.time() - folder.stat().st_mtime > EXPORT_KEEP_S:
            shutil.rmtree(folder, ignore_errors=True)


def export_download(vault, filters: Filters, fmt: str) -> bytes:
    """For the download button, which holds what it serves in memory: views up to INLINE_MAX_BYTES;
    a larger file stays on the server and the download is a note saying so."""
    path = export_file(vault, filters, fmt)
    size = path.stat().st_size
    if size > INLINE_MAX_BYTES:
        return (f"This export is {size // 1_048_576} MB, too large to download from the page. It was saved "
                f"on the server as {path}; 'Save on the server' does the same with a progress bar.\n").encode()
    return path.read_bytes()


def _export(vault, filters: Filters) -> None:
    left, mid, right = st.columns([1, 1, 2], vertical_alignment="bottom")
    label = left.selectbox("Export format", list(EXPORTS), key="export_format")
    fmt, mime = EXPORTS[label]
    # Deferred: the file is made only when the button is clicked, with the filters shown now.
    mid.download_button("Export", data=lambda: export_download(vault, filters, fmt), mime=mime,
                        file_name=f"genvault-history.{fmt}", on_click="ignore", key="export",
                        icon=":material/download:")
    if right.button("Save on the server", key="export_save", icon=":material/save:",
                    help="For large exports: written under the data dir in bounded memory, with progress"):
        bar = st.progress(0.0, text="Exporting…")
        path = export_file(vault, filters, fmt, lambda done, total: bar.progress(
            done / max(total, 1), text=f"{done:,} of {total:,} rows"))
        bar.progress(1.0, text="Done")
        st.success(f"Saved {path.stat().st_size // 1024:,} kB to `{path}`.", icon=":material/task_alt:")
