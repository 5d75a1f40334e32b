"""Batch results as files, made on request: `GET /files/batch/<job id>/<csv|jsonl|parquet>`.

The route (ui/routes.py) builds the file from the job's rows in the database for its owner (or an
admin), partial results too, so any replica answers it behind a load balancer; a Streamlit download
button would serve the bytes from one process's memory (`/media/…`), which round-robin breaks.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from .fileurls import BATCH

FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8",
           "parquet": "application/vnd.apache.parquet"}


def batch_href(job_id: str, fmt: str) -> str:
    return BATCH.format(job_id=job_id, fmt=fmt)


def results_bytes(vault, job_id: str, fmt: str, visible_to: str | None) -> bytes:
    """The job's results in `fmt`; NotFound if visible_to may not see the job."""
    with tempfile.TemporaryDirectory(prefix="genvault-batch-") as scratch:
        return vault.batch_export(job_id, Path(scratch) / f"results.{fmt}", fmt, visible_to).read_bytes()
