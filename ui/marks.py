"""On a generation's page: its tags, note, star and rating, and "Share" (issue 14).

Each change is saved at once through the Vault (which checks the viewer may edit it and records
who and when); the generation's own record never changes. Tags are picked from those already in
use or typed new; the note is Markdown rendered through the safe renderer. A new share link's URL
is shown only on this page, until another generation's is opened: only its hash is kept.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from genlib import SHARE_EXPIRY, Annotation, GenlibError, Generation

from .auth import Viewer
from .render import md_escape
from .safe_markdown import markdown_block

EXPIRY_LABELS = {"1d": "1 day", "7d": "7 days", "30d": "30 days", "never": "Never"}
MADE_LINK = "_share_made"  # session key: (generation id, the link made on its page)


def show_marks(vault, viewer: Viewer, gen: Generation) -> None:
    note = vault.annotation(gen.id, viewer.visible_to)
    with st.container(horizontal=True, vertical_alignment="center", key="gv_marks"):
        st.button("Starred" if note.starred else "Star", key=f"star_{gen.id}",
                  icon=":material/star:" if note.starred else ":material/star_border:",
                  on_click=_save, args=(vault, viewer, gen.id), kwargs={"starred": not note.starred})
        st.feedback("thumbs", key=f"rating_{gen.id}", default={1: 1, -1: 0}.get(note.rating),
                    on_change=_rated, args=(vault, viewer, gen.id))
    choices = list(dict.fromkeys([*note.tags, *vault.tags(viewer.visible_to)]))
    st.multiselect("Tags", choices, default=list(note.tags), key=f"tags_{gen.id}", accept_new_options=True,
                   placeholder="Add a tag", on_change=_retagged, args=(vault, viewer, gen.id))
    _note(vault, viewer, gen, note)
    _problem(gen.id)
    _share(vault, viewer, gen)


def _note(vault, viewer: Viewer, gen: Generation, note: Annotation) -> None:
    if note.note:
        st.html(markdown_block(note.note))
        st.caption(f"Last change by {md_escape(vault.user_label(note.updated_by or ''))}")
    with st.expander("Edit the note" if note.note else "Add a note"):
        with st.form(f"note_form_{gen.id}", border=False):
            text = st.text_area("Note (Markdown)", value=note.note, key=f"note_{gen.id}")
            if st.form_submit_button("Save note"):
                _save(vault, viewer, gen.id, note=text)
                st.rerun()


def _save(vault, viewer: Viewer, gen_id: str, **changes) -> None:
    try:
        vault.annotate(gen_id, viewer.user_id, viewer.visible_to, **changes)
    except GenlibError as exc:  # a bad tag or note: said under the marks, no traceback
        st.session_state[f"_marks_problem_{gen_id}"] = str(exc)


def _rated(vault, viewer: Viewer, gen_id: str) -> None:
    picked = st.session_state.get(f"rating_{gen_id}")
    _save(vault, viewer, gen_id, rating={1: "up", 0: "down"}.get(picked, "none"))


def _retagged(vault, viewer: Viewer, gen_id: str) -> None:
    wanted = {str(t) for t in st.session_state.get(f"tags_{gen_id}") or []}
    had = set(vault.annotation(gen_id, viewer.visible_to).tags)
    _save(vault, viewer, gen_id, add_tags=sorted(wanted - had), remove_tags=sorted(had - wanted))
    # The box shows what was saved (tags are normalized: "Project X" is kept as "project x").
    st.session_state[f"tags_{gen_id}"] = list(vault.annotation(gen_id, viewer.visible_to).tags)


def _problem(gen_id: str) -> None:
    problem = st.session_state.pop(f"_marks_problem_{gen_id}", None)
    if problem:
        st.error(md_escape(problem))


def _share(vault, viewer: Viewer, gen: Generation) -> None:
    with st.expander("Share a read-only link", icon=":material/share:"):
        if not vault.sharing_enabled():
            st.info("Sharing is off: an admin turned it off for everyone.")
            return
        made = _made_link(gen.id)
        if made:
            st.success("Anyone holding this link can see this generation. Copy it now: it is shown only "
                       "until you open another generation.")
            st.code(made, language=None)
        with st.form(f"share_form_{gen.id}", border=False):
            expires = st.selectbox("Expires after", list(SHARE_EXPIRY), index=1, format_func=EXPIRY_LABELS.get,
                                   key=f"share_expires_{gen.id}")
            cost = st.checkbox("Include the cost", key=f"share_cost_{gen.id}")
            system = st.checkbox("Include the system prompt", key=f"share_system_{gen.id}")
            if st.form_submit_button("Create link", icon=":material/add_link:"):
                link = vault.share(gen.id, viewer.user_id, viewer.visible_to, expires=expires,
                                   include_cost=cost, include_system=system)
                st.session_state[MADE_LINK] = (gen.id, share_url(link.token))
                st.rerun()
        st.caption("Your links, their views and Revoke: the Shares page.")


def _made_link(gen_id: str) -> str | None:
    """The link last made on this generation's page. Kept across reruns, not popped when first
    drawn: a rerun that interrupted that run (a finished generation's hand-over, page.js) would
    otherwise lose the only copy of the token; dropped when another generation's page is drawn."""
    made = st.session_state.get(MADE_LINK)
    if made is not None and made[0] != gen_id:
        st.session_state.pop(MADE_LINK, None)
        return None
    return made[1] if made else None


def share_url(token: str) -> str:
    """The absolute link as this browser reached the app (its base path included)."""
    here = urlsplit(st.context.url or "")
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    origin = f"{here.scheme}://{here.netloc}" if here.netloc else ""
    return f"{origin}/{base + '/' if base else ''}?share={token}"
