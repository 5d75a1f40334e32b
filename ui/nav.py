"""The URL contract: pages, their paths, and links to one generation.

`/generate?id=`, `/?id=`, `/image?id=`, `/history?q=...`, `/costs?from=&to=`, `/compare?id=`, `/batch?id=`,
`/shares` are bookmarked by
users and built by scripts, so the paths live here once. Page scripts are in `pages/`.
"""
from __future__ import annotations

import streamlit as st

HOME = "pages/home.py"
GENERATE = "pages/generate.py"
HISTORY = "pages/history.py"
COSTS = "pages/costs.py"
IMAGE = "pages/image.py"
COMPARE = "pages/compare.py"
SHARES = "pages/shares.py"
BATCH = "pages/batch.py"


def build_pages() -> list:
    """`st.Page`s for `st.navigation`; the hidden default forwards `/` to `/generate`."""
    return [
        # The default page answers only at `/`; it forwards there so `/generate?id=` stays stable.
        st.Page(HOME, title="GenVault", default=True, visibility="hidden"),
        st.Page(GENERATE, title="Generate", icon=":material/auto_awesome:", url_path="generate"),
        st.Page(HISTORY, title="History", icon=":material/history:", url_path="history"),
        st.Page(COSTS, title="Costs", icon=":material/payments:", url_path="costs"),
        st.Page(COMPARE, title="Compare", icon=":material/compare_arrows:", url_path="compare"),
        st.Page(BATCH, title="Batch", icon=":material/table_chart:", url_path="batch"),
        st.Page(SHARES, title="Shares", icon=":material/share:", url_path="shares"),
        st.Page(IMAGE, title="Image", icon=":material/image:", url_path="image", visibility="hidden"),
    ]


def ensure_app_navigation() -> None:
    """Rerun through app.py when Streamlit ran this page script on its own.

    Until `st.navigation` has run once in the server process, Streamlit treats an app with a
    `pages/` folder as an old-style multipage app: the first visits after a (re)start that land
    on `/generate?id=`, `/history`... run the page script alone, without app.py (no page config, no
    sign-in line, every file listed in the sidebar). Each page calls this first: it switches the
    process to `st.navigation` and, on a session's first run, reruns it through app.py. A run that
    already has widget state (a click sent right after a reconnect) is drawn as it is, so no click
    is lost; its next run goes through app.py.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a future Streamlit without the legacy mode
        return
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        if not len(st.session_state):  # nothing to lose by running again
            st.rerun()


def open_generation(gen_id: str) -> None:
    """Go to the generation's page in this tab (a new browser history entry)."""
    st.switch_page(GENERATE, query_params={"id": gen_id})


def generation_href(gen_id: str) -> str:
    """A relative URL (works under any base path) for LinkColumn cells and Markdown."""
    return f"generate?id={gen_id}"


def link_to_generation(gen_id: str, label: str, icon: str | None = None) -> None:
    st.page_link(GENERATE, label=label, icon=icon, query_params={"id": gen_id})


def link_to_comparison(vault, viewer, gen_id: str) -> None:
    """On a panel's page: a link back to its comparison (`/compare?id=`), if it is one."""
    group = vault.compare_of(gen_id, viewer.visible_to)
    if group is not None:
        st.page_link(COMPARE, label=f"Part of a comparison of {len(group.panels)} models",
                     icon=":material/compare_arrows:", query_params={"id": group.id})


def link_to_image(gen_id: str, label: str = "Open the image alone") -> None:
    st.page_link(IMAGE, label=label, icon=":material/image:", query_params={"id": gen_id})


def not_found(what: str = "Generation") -> None:
    """Unknown, malformed or not-yours ids all look the same: nothing leaks which it was."""
    st.title(f"{what} not found")  # said once: the heading (issue 15: it was also an error box)
    st.caption("The link may be mistyped, or the generation belongs to someone else.")
    st.page_link(GENERATE, label="New generation", icon=":material/auto_awesome:")
    st.page_link(HISTORY, label="Back to history", icon=":material/history:")
