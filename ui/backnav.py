"""Back from a generation to the page that opened it, as it was (History's filters and page, Costs' range).

Streamlit 1.67 opens a page with query parameters in two steps: it first writes them to the *current*
page's URL (a browser history entry `/history?id=…`), then pushes `/generate?id=…`. So Back lands on
`/history?id=…` and the filters are gone. The opener remembers its own URL parameters at the click
(`open_from`); when the page then runs with an `id` it never uses, `restore_view` switches to itself
with them: in a history navigation the URL entry is replaced, not added, and the page's bound widgets
seed from the restored URL. (`st.switch_page`, not setting `st.query_params` and `st.rerun()`: a
rerun can drop the URL change before it reaches the browser; switch_page waits for it.)
"""
from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException

from .nav import open_generation

OPENED_FROM = "backnav_opened_from"  # (page name, its URL parameters when a row was opened)


def open_from(page: str, gen_id: str) -> None:
    """Open a generation in this tab, remembering this page's view for the way back."""
    st.session_state[OPENED_FROM] = (page, st.query_params.to_dict())
    open_generation(gen_id)


def restore_view(page: str) -> None:
    """First thing on a page that opens generations: undo the `id` Streamlit left in its URL."""
    if "id" not in st.query_params:
        return
    opened = st.session_state.get(OPENED_FROM)
    if opened and opened[0] == page:
        params = opened[1]
    else:  # a reload of that entry in a new session: keep whatever else the URL says
        params = {k: v for k, v in st.query_params.to_dict().items() if k != "id"}
    try:
        st.switch_page(page, query_params=params)
    except StreamlitAPIException:  # its widgets still own their parameters (no page change came between)
        st.query_params.pop("id", None)
