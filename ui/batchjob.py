"""One batch job (`/batch?id=<job id>`): progress from any tab, Pause/Resume/Cancel, results, downloads.

The progress block is a fragment redrawn every second while the job runs (here or in another
process); the job's state is in the database, so a reload, a second tab or a restarted app shows
the same job. After a crash a running job with a dead runner shows Resume.
"""
from __future__ import annotations

import streamlit as st

from genlib import BadRequest, format_usd, utcnow

from .auth import Viewer
from .batchfiles import FORMATS, batch_href
from .nav import generation_href, not_found
from .render import md_escape

SHOWN_ROWS = 1000


def show_job(vault, viewer: Viewer, job_id: str) -> None:
    job = vault.batch_job(job_id, viewer.visible_to)
    if job is None:
        not_found("Batch")
        return
    st.title("Batch")
    st.caption(md_escape(f"{job.source_name} · {', '.join(job.models)} · template: {job.template[:200]}"))
    st.fragment(_progress, run_every=1.0)(vault, viewer, job_id)
    _results(vault, viewer, job_id)


def _progress(vault, viewer: Viewer, job_id: str) -> None:
    p = vault.batch_progress(job_id, viewer.visible_to)
    seen, key = (p.job.status, p.done + p.failed), f"_batch_seen_{job_id}"
    if st.session_state.get(key, seen)[0] != seen[0]:  # the job stopped or started: redraw the results too
        st.session_state[key] = seen
        st.rerun()
    st.session_state[key] = seen
    elsewhere = p.job.status == "running" and not p.running_here and p.job.lease_until and p.job.lease_until > utcnow()
    interrupted = p.job.status == "running" and not p.running_here and not elsewhere
    state = "interrupted (the app stopped)" if interrupted else p.job.status
    st.markdown(f"**Status:** {md_escape(state)}" + (" · running in another process" if elsewhere else ""))
    st.progress((p.total - p.remaining) / p.total if p.total else 1.0)
    cols = st.columns(5)
    cols[0].metric("Done", f"{p.done:,}")
    cols[1].metric("Failed", f"{p.failed:,}")
    cols[2].metric("Remaining", f"{p.remaining:,}")
    cols[3].metric("Spent", format_usd(p.spend_usd))
    cols[4].metric("Time left", f"~{p.seconds_left:,.0f} s" if p.seconds_left is not None else "—")
    if p.skipped:
        st.caption(f"{p.skipped:,} rows skipped (empty prompt).")
    if p.job.message:
        st.info(md_escape(p.job.message))
    _controls(vault, viewer, p, interrupted or p.job.status in ("paused", "ready"))


def _controls(vault, viewer: Viewer, p, resumable: bool) -> None:
    cols = st.columns(4)
    who = viewer.visible_to
    try:
        if p.running_here or p.job.status == "running":
            if cols[0].button("Pause", key="batch_pause"):
                vault.batch_pause(p.job.id, who)
                st.rerun()
            if cols[1].button("Cancel", key="batch_cancel"):
                vault.batch_cancel(p.job.id, who)
                st.rerun()
        if resumable and p.remaining and cols[2].button("Resume", key="batch_resume", type="primary"):
            vault.batch_run(p.job.id, who)
            st.rerun()
        if p.failed and not p.running_here and cols[3].button("Retry failed rows", key="batch_retry"):
            vault.batch_retry_failed(p.job.id, who)
            vault.batch_run(p.job.id, who)
            st.rerun()
    except BadRequest as exc:
        st.warning(md_escape(str(exc)))


def _results(vault, viewer: Viewer, job_id: str) -> None:
    st.subheader("Results")
    shown = vault.batch_results(job_id, viewer.visible_to, limit=SHOWN_ROWS + 1)
    shown["batch_link"] = [generation_href(g) if g else None for g in shown["batch_generation_id"]]
    if len(shown) > SHOWN_ROWS:
        shown = shown.head(SHOWN_ROWS)
        st.caption(f"The first {SHOWN_ROWS:,} lines; the downloads have them all.")
    st.dataframe(shown.drop(columns=["batch_generation_id", "batch_prompt"]), hide_index=True, width="stretch",
                 column_config={"batch_link": st.column_config.LinkColumn("Generation", display_text="open")})
    # Links to the app's own route (ui/batchfiles.py): the file is made when clicked, by whichever
    # replica answers, with the same access check as the page.
    row = st.container(horizontal=True)
    for fmt in FORMATS:
        row.link_button(f"Download {fmt.upper()}", batch_href(job_id, fmt), icon=":material/download:")
