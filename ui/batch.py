"""The Batch page's form (`/batch`): upload a table, write a template, choose models, preview, estimate, run.

Everything is checked before anything runs (genlib/batch): a bad file or an unknown placeholder is a
message, never a traceback. The run starts in the server's background and the page moves to
`/batch?id=<job id>` (ui/batchjob.py), which any tab can open.
"""
from __future__ import annotations

import streamlit as st

from genlib import BadRequest, format_usd

from .auth import Viewer
from .batchjob import show_job
from .nav import BATCH
from .render import md_escape

DEFAULT_MODEL = "gpt-4o-mini"


def show_batch(vault, viewer: Viewer) -> None:
    job_id = st.query_params.get("id")
    if job_id:
        show_job(vault, viewer, job_id)
        return
    st.title("Batch")
    st.caption("Run one prompt template over every row of a CSV or Parquet file (at most 100,000 rows).")
    upload = st.file_uploader("Table (CSV in UTF-8, or Parquet)", type=["csv", "parquet"], key="batch_file")
    template = st.text_area("Prompt template", key="batch_template", placeholder="Summarize {column name} in one line.")
    system = st.text_input("System prompt (optional)", key="batch_system")
    models_text = st.text_input("Models (comma-separated, up to 6)", value=DEFAULT_MODEL, key="batch_models")
    concurrency = int(st.number_input("Concurrency", min_value=1, max_value=64, value=8, key="batch_concurrency"))
    if upload is None or not template.strip():
        st.info("Upload a table and write a template with {column} placeholders to see a preview and an estimate.")
        _recent(vault, viewer)
        return
    models = [m.strip() for m in models_text.split(",") if m.strip()]
    try:
        plan = vault.batch_plan(upload.getvalue(), upload.name, template, models, system, concurrency=concurrency)
    except BadRequest as exc:
        st.error(md_escape(str(exc)), icon=":material/table_chart:")
        return
    _preview(plan)
    estimate = vault.batch_estimate(plan, viewer.user_id)
    _estimate(plan, estimate)
    if st.button("Run batch", type="primary", key="batch_run"):
        job_id = vault.batch_create(plan, viewer.user_id)
        vault.batch_run(job_id, viewer.user_id)
        st.query_params["id"] = job_id
        st.rerun()


def _preview(plan) -> None:
    st.subheader("Preview")
    st.caption(f"{plan.rows:,} rows, columns: {', '.join(map(str, plan.frame.columns))}"[:400])
    for number, prompt in plan.preview():
        st.caption(f"Row {number}")
        st.code(prompt, language=None, wrap_lines=True)
    if plan.skipped:
        shown = ", ".join(map(str, plan.skipped[:50])) + (" …" if len(plan.skipped) > 50 else "")
        st.warning(f"{len(plan.skipped):,} rows render an empty prompt and will be skipped: rows {shown}.",
                   icon=":material/block:")


def _estimate(plan, estimate) -> None:
    st.subheader("Estimate")
    cols = st.columns(4)
    cols[0].metric("Rows sent", f"{estimate.sent_rows:,} x {len(plan.models)}")
    cols[1].metric("Input tokens", f"{estimate.input_tokens:,}",
                   help=None if estimate.counted else "Estimated: no tokenizer is installed for these models.")
    cols[2].metric("Expected cost", format_usd(estimate.expected_usd))
    cols[3].metric("Worst case", format_usd(estimate.worst_usd))
    st.caption(estimate.tokens_label)
    (st.success if estimate.budget_ok else st.warning)(md_escape(estimate.budget_message), icon=":material/savings:")


def _recent(vault, viewer: Viewer) -> None:
    jobs = vault.batch_jobs(viewer.visible_to, limit=20)
    if not jobs:
        return
    st.subheader("Recent batches")
    for job in jobs:
        st.page_link(BATCH, label=f"{job.created_utc:%Y-%m-%d %H:%M} · {job.source_name} · {job.status}",
                     query_params={"id": job.id})
