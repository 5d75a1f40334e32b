"""The History page: newest first (or best match), searched and filtered from the URL, paged, exportable.

Every filter widget, and the page number, is bound to a query parameter, so
`/history?q=...&status=...&page=2` reproduces the view. Bad values in a hand-edited URL are reported (the widgets would silently drop them).
Opening a row goes to `/generate?id=…` in this tab; Back brings this view back as it was (ui/backnav.py).
Next page is keyset paging: the URL gets `after=<time>,<id>` of the last row shown, so a bookmarked
page shows the same rows however many generations arrive later, and a deep page costs what the
first does. A `page=N` URL without `after` still works (counted from the newest). A search shows
each row's matching passage and the number of matches (exact, or "N+" when counting stopped early).
Tags, starred, rating and has-a-note (`?tag=&starred=true&rating=up&has_note=true`): ui/historymarks.py.
"""
from __future__ import annotations

from dataclasses import replace

import streamlit as st

from genlib import KINDS, STATUSES, BadRequest, Filters

from . import daterange
from .auth import Viewer
from .backnav import restore_view
from .historymarks import mark_widgets, show_marked, show_note_matches
from .exports import EXPORTS, export_file, saved_export_href
from .nav import COMPARE, GENERATE, HISTORY
from .render import DATE_RANGE, md_escape, url_problems
from .tables import generation_table, history_frame, shows_users

PAGE_SIZE = 50
MAX_PAGE = 1_000_000
ORDERS = {"newest": "Newest first", "best": "Best match"}


def show_history(vault, viewer: Viewer) -> None:
    restore_view(HISTORY)  # Back from a generation opened here: this view again, as it was
    st.title("History")
    raw = st.query_params.to_dict()
    _, problems = Filters.from_query(raw)  # before the bound widgets drop what they can't show
    problems = [p for p in problems if "inverted" not in p]  # swapped in the pickers instead (daterange.py)
    if daterange.before_pickers(HISTORY, raw):
        problems.append(daterange.SWAPPED_NOTE)
    filters, more = _filter_widgets(vault, viewer)
    marks = mark_widgets(vault, viewer, _first_page)
    for problem in dict.fromkeys(problems + more + url_problems(raw, MAX_PAGE)):
        st.warning(md_escape(problem), icon=":material/filter_alt_off:")  # quotes the URL
    if marks.any():  # listed from the annotations (ui/historymarks.py), not the search index
        show_marked(vault, viewer, marks, filters)
        return
    body, pager = st.container(), st.container()
    with pager:  # drawn below the table, but its bound page number is needed first
        page_no = st.number_input("Page", min_value=1, max_value=MAX_PAGE, value=1, step=1, key="page",
                                  bind="query-params", width=160, on_change=_page_typed)
    page = _search(vault, filters, page_no)
    with body:
        if page.items:
            _summary(page, filters)
            frame = history_frame(vault, page.items, page.snippets, show_user=shows_users(viewer))
            generation_table(frame, [g.id for g in page.items], "history_table", HISTORY)
        else:
            _empty(filters, page_no)
        if filters.q and page_no == 1:
            show_note_matches(vault, viewer, filters.q)
    with pager:
        _pager_buttons(page)
    _export(vault, viewer, filters)
    # Panels of a comparison are ordinary generations (listed above); their groups are on Compare.
    st.page_link(COMPARE, label="Model comparisons (groups, picks, leaderboard)", icon=":material/compare_arrows:")


def _search(vault, filters: Filters, page_no: int):
    order = st.session_state.get("order") or "newest"
    try:
        return vault.search(filters, page_no, PAGE_SIZE, after=st.query_params.get("after"), order=order)
    except BadRequest as exc:  # a hand-edited `after`: say so, show the numbered page instead
        st.warning(str(exc), icon=":material/filter_alt_off:")
        return vault.search(filters, page_no, PAGE_SIZE, order=order)


def _summary(page, filters: Filters) -> None:
    if not filters.q or page.total is None:
        return
    count = f"{page.total:,}+" if page.total_capped else f"{page.total:,}"  # "N+": counting stopped early
    note = " (terms under 3 characters alone: the newest 20,000 generations searched)" if page.limited else ""
    st.caption(f"{count} {'match' if page.total == 1 else 'matches'}{note}")


def _filter_widgets(vault, viewer: Viewer) -> tuple[Filters, list[str]]:
    bound = dict(bind="query-params", on_change=_first_page)
    st.text_input("Search", key="q", placeholder='Words, "a phrase", -excluded: in the prompt or the answer',
                  **bound)
    # Collapsed by default so that on a phone the rows show on the first screen; the label says
    # which filters are on, and the widgets stay bound to the URL while it is closed.
    with st.expander(_filters_label(), icon=":material/filter_list:", key="history_filters"):
        cols = st.columns(7 if shows_users(viewer) else 6)
        cols[0].selectbox("Order", list(ORDERS), format_func=ORDERS.get, key="order", **bound)
        models = _model_options(vault, viewer, _current("model"))
        cols[1].selectbox("Model", models, format_func=lambda m: m or "any", key="model",
                          accept_new_options=True, **bound)
        cols[2].selectbox("Status", ("", *STATUSES), format_func=lambda s: s or "any", key="status", **bound)
        cols[3].selectbox("Kind", ("", *KINDS), format_func=lambda s: s or "any", key="kind", **bound)
        dates = {**bound, "on_change": _dates_changed}
        start = cols[4].date_input("From", value=None, key="from", **DATE_RANGE, **dates)
        end = cols[5].date_input("To", value=None, key="to", **DATE_RANGE, **dates)
        if shows_users(viewer):
            cols[6].text_input("User", key="user", **bound)
    daterange.after_pickers(HISTORY, start, end)
    state = st.session_state
    values = {name: state.get(name) for name in ("q", "model", "status", "kind", "user")}
    values.update({name: state[name].isoformat() for name in ("from", "to") if state.get(name)})
    filters, problems = Filters.from_query(values)
    return replace(filters, visible_to=viewer.visible_to), problems


def _filters_label() -> str:
    """"Filters", or "Filters: status complete, kind text" when some are on."""
    # The label is Markdown and the values may come from a hand-made URL: escaped, they show as typed.
    on = [f"{name} {md_escape(str(_current(name))[:60])}" for name in ("model", "status", "kind", "from", "to", "user")
          if _current(name)]
    if _current("order") in ("best", ORDERS["best"]):  # the widget's value, or the URL's (its label)
        on.append("best match first")
    return "Filters: " + ", ".join(on) if on else "Filters"


def _current(name: str):
    """A filter's value before its widget is drawn: the widget's state, or on a first run the URL's."""
    return st.session_state[name] if name in st.session_state else st.query_params.get(name)


@st.cache_data(ttl=60, show_spinner=False, max_entries=256)
def _known_models(_vault, data_dir: str, visible_to: str | None) -> list[str]:
    """The models this viewer's generations used, most spent first (the Costs report's breakdown)."""
    return [str(m) for m in _vault.costs(Filters(visible_to=visible_to)).by_model["model"] if m]


def _model_options(vault, viewer: Viewer, current: str | None) -> list[str]:
    known = _known_models(vault, str(vault.data_dir), viewer.visible_to)
    return list(dict.fromkeys(["", *([current] if current else []), *sorted(known, key=str.lower)]))


def _first_page() -> None:
    # The page number is a bound widget too: changing it through session state keeps the URL right.
    st.session_state["page"] = 1
    _forget_cursor()


def _dates_changed() -> None:
    _first_page()
    daterange.swap_if_reversed(HISTORY)


def _page_typed() -> None:
    _forget_cursor()  # a typed page number counts pages from the newest


def _forget_cursor() -> None:
    st.query_params.pop("after", None)
    st.session_state["history_cursors"] = []


def _next(next_after: str | None) -> None:
    """Keyset: the next page is the rows older than the last one shown (its cursor goes in the URL)."""
    st.session_state.setdefault("history_cursors", []).append(st.query_params.get("after"))
    st.session_state["page"] = min(int(st.session_state.get("page") or 1) + 1, MAX_PAGE)
    if next_after and (st.session_state.get("order") or "newest") == "newest":
        st.query_params["after"] = next_after


def _previous() -> None:
    cursors = st.session_state.get("history_cursors") or []
    st.session_state["page"] = max(1, int(st.session_state.get("page") or 1) - 1)
    before = cursors.pop() if cursors else None  # reached by a bookmark: count pages instead
    if before and st.session_state["page"] > 1:
        st.query_params["after"] = before
    else:
        st.query_params.pop("after", None)


def _pager_buttons(page) -> None:
    prev, nxt, _ = st.columns([1, 1, 4])
    prev.button("Previous page", key="prev_page", disabled=page.page <= 1, on_click=_previous)
    nxt.button("Next page", key="next_page", disabled=not page.has_more, on_click=_next, args=(page.next_after,))


def _empty(filters: Filters, page_no: int) -> None:
    if page_no > 1:
        st.info("No more generations on this page.")
    elif replace(filters, visible_to=None) != Filters():
        st.info("No generation matches these filters.", icon=":material/search_off:")
    else:
        st.info("No generations yet. Everything you generate is saved here, with its cost.",
                icon=":material/inbox:")
        st.page_link(GENERATE, label="Make your first generation", icon=":material/auto_awesome:")


def _export(vault, viewer: Viewer, filters: Filters) -> None:
    """Export writes the filtered view to a file on the server (with progress, in bounded memory),
    then offers it as a download link served from disk to this viewer only."""
    left, mid, right = st.columns([1, 1, 2], vertical_alignment="bottom")
    label = left.selectbox("Export format", list(EXPORTS), key="export_format")
    fmt, _ = EXPORTS[label]
    if mid.button("Export", key="export", icon=":material/download:"):
        bar = st.progress(0.0, text="Exporting…")
        path = export_file(vault, viewer, filters, fmt, lambda done, total: bar.progress(
            done / max(total, 1), text=f"{done:,} of {total:,} rows"))
        bar.empty()
        st.session_state["last_export"] = (filters, saved_export_href(path), path.name, path.stat().st_size)
    last = st.session_state.get("last_export")
    if last and last[0] == filters:  # a file of another view is not offered as this one's
        _, href, name, size = last
        right.link_button(f"Download {name} ({_size_text(size)})", href, icon=":material/file_download:")


def _size_text(size: int) -> str:
    return f"{size / 1_048_576:,.1f} MB" if size >= 1_048_576 else f"{max(1, size // 1024):,} kB"
