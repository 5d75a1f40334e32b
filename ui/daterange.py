"""From/To date pickers bound to the URL that never stay reversed (Costs and History).

A range with From after To is swapped where the user sees it, not only in the results: a URL
that says so (hand-edited, bookmarked) is rewritten before the pickers seed from it, a picker
moved past the other swaps the two before the next run, and a reversed pair that slipped through
(seeded where the URL could not be rewritten) is swapped on a rerun, since a drawn widget's value
can't change in the run that drew it. The pickers' keys are "from" and "to" on both pages.
"""
from __future__ import annotations

from datetime import date

import streamlit as st
from streamlit.errors import StreamlitAPIException

SWAPPED_NOTE = "The date range was inverted (From after To); swapped it."
_PENDING = "daterange_swapped"  # (page, (from, to) to put in the pickers, or True: done in the URL)


def before_pickers(page: str, raw: dict) -> bool:
    """First, before the pickers are drawn: True when a swap was made for this run (say so)."""
    pending = st.session_state.pop(_PENDING, None)
    if pending is None or pending[0] != page:
        _swap_in_url(page, raw)
        return False
    if isinstance(pending[1], tuple):
        st.session_state["from"], st.session_state["to"] = pending[1]
    return True


def swap_if_reversed(page: str) -> None:
    """A picker's on_change: one moved past the other, so swap them before the next run."""
    start, end = st.session_state.get("from"), st.session_state.get("to")
    if isinstance(start, date) and isinstance(end, date) and start > end:
        st.session_state[_PENDING] = (page, (end, start))


def after_pickers(page: str, start, end) -> None:
    """Last, with the pickers' values: still reversed (seeded where the URL could not be
    rewritten first), so swap on a rerun."""
    if isinstance(start, date) and isinstance(end, date) and start > end:
        st.session_state[_PENDING] = (page, (end, start))
        st.rerun()


def _swap_in_url(page: str, raw: dict) -> None:
    """A URL with From after To: swap them in the URL and come back, so the pickers seed from the
    corrected URL and the address bar shows it too."""
    try:
        start, end = (date.fromisoformat(str(raw.get(k) or "")[:10]) for k in ("from", "to"))
    except ValueError:
        return
    if start <= end:
        return
    st.session_state[_PENDING] = (page, True)
    try:  # switch_page, not query_params + rerun: a rerun can drop the URL change before it is sent
        st.switch_page(page, query_params={**raw, "from": end.isoformat(), "to": start.isoformat()})
    except StreamlitAPIException:  # the pickers already own these parameters in this session
        st.session_state.pop(_PENDING, None)
