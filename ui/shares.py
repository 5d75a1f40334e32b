"""The Shares page (`/shares`): "My shares" with views and last viewed, Revoke, and the admin's switch.

A user sees and revokes only their own links; an admin sees everyone's (with who made each) and
can turn sharing off for everyone, which stops every existing link until it is turned on again.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from genlib import utcnow

from .auth import Viewer
from .nav import generation_href
from .render import md_escape
from .vault import user_label

EXPIRY_NEVER = "never"


def show_shares(vault, viewer: Viewer) -> None:
    st.title("Shares")
    notice = st.session_state.pop("_shares_notice", None)
    if notice:
        st.success(notice, icon=":material/link_off:")
    if viewer.is_admin:
        _switch(vault, viewer)
    elif not vault.sharing_enabled():
        st.info("Sharing is off: an admin turned it off for everyone. Your links work again once it is back on.")
    links = vault.my_shares(viewer.visible_to)
    if not links:
        st.caption("No share links yet: open a generation and use \"Share a read-only link\".")
        return
    st.dataframe(_table(links, viewer), hide_index=True, width="stretch", key="shares_table",
                 column_config={"Generation": st.column_config.LinkColumn(display_text=r"generate\?id=(.*)")})
    active = [s for s in links if s.state(utcnow()) == "active"]
    if active:
        with st.form("revoke_form", border=False):
            picked = st.selectbox("Revoke a link", [s.id for s in active], format_func=lambda i: _label(active, i),
                                  key="revoke_pick")
            if st.form_submit_button("Revoke", icon=":material/link_off:"):
                revoked = vault.revoke_share(picked, viewer.visible_to)
                st.session_state["_shares_notice"] = ("Revoked: the link shows nothing from now on." if revoked
                                                      else "It was already revoked.")
                st.rerun()


def _switch(vault, viewer: Viewer) -> None:
    enabled = vault.sharing_enabled()
    wanted = st.toggle("Sharing on for everyone (admins)", value=enabled, key="sharing_switch",
                       help="Off: no new links, and every existing link stops working until it is on again.")
    if wanted != enabled:
        vault.set_sharing(wanted, viewer.user_id, viewer.is_admin)
        st.rerun()


def _table(links, viewer: Viewer) -> pd.DataFrame:
    now = utcnow()
    rows = [{"Generation": generation_href(s.generation_id), "State": s.state(now),
             "Created (UTC)": s.created_utc, "Expires (UTC)": s.expires_utc or EXPIRY_NEVER, "Views": s.views,
             "Last viewed (UTC)": s.last_viewed_utc, "Cost shown": s.include_cost,
             "System prompt shown": s.include_system, "Link id": s.id} for s in links]
    frame = pd.DataFrame(rows)
    if viewer.is_admin:
        frame.insert(1, "Made by", [user_label(s.owner_id) for s in links])
    frame["Expires (UTC)"] = frame["Expires (UTC)"].astype(str)
    return frame


def _label(links, share_id: str) -> str:
    share = next(s for s in links if s.id == share_id)
    return md_escape(f"{share.generation_id} · made {share.created_utc:%Y-%m-%d %H:%M} · {share.views} views")
