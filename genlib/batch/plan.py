"""A batch before it runs: the table, the template rendered per row, the rows skipped, the job rows.

`plan()` checks everything a run needs (template against columns, at least one model, concurrency
in range) and renders every prompt once; a row whose prompt renders empty (only spaces) is skipped
and listed, never sent. `job_and_rows` turns a plan into what the BatchStore saves.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..batchrecords import PENDING, SKIPPED, BatchJob, BatchRow
from ..clock import utcnow
from ..errors import BadRequest
from ..ids import new_id
from ..validate import valid_unicode
from .template import Template, parse

MAX_MODELS = 6
MAX_CONCURRENCY = 64
DEFAULT_CONCURRENCY = 8


@dataclass
class Plan:
    source_name: str
    frame: pd.DataFrame
    template: Template
    models: list[str]
    system_prompt: str | None = None
    params: dict = field(default_factory=dict)
    concurrency: int = DEFAULT_CONCURRENCY
    prompts: list[str] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # row numbers (from 1) whose prompt rendered empty

    @property
    def rows(self) -> int:
        return len(self.frame)

    def preview(self, n: int = 3) -> list[tuple[int, str]]:
        """(row number from 1, prompt) of the first n rows that will be sent."""
        return [(i + 1, p) for i, p in enumerate(self.prompts) if p.strip()][:n]


def plan(frame: pd.DataFrame, source_name: str, template: str, models: list[str], system_prompt: str | None = None,
         params: dict | None = None, concurrency: int = DEFAULT_CONCURRENCY) -> Plan:
    models = list(dict.fromkeys(m.strip() for m in models or [] if m and m.strip()))
    if not models:
        raise BadRequest("Choose at least one model.")
    if len(models) > MAX_MODELS:
        raise BadRequest(f"A batch runs at most {MAX_MODELS} models at once.")
    if not isinstance(concurrency, int) or not 1 <= concurrency <= MAX_CONCURRENCY:
        raise BadRequest(f"Concurrency must be a whole number from 1 to {MAX_CONCURRENCY}.")
    parsed = parse(template, list(frame.columns))
    records = frame.to_dict("records")
    prompts = [valid_unicode(parsed.render(r)) for r in records]
    skipped = [i + 1 for i, p in enumerate(prompts) if not p.strip()]
    if len(skipped) == len(prompts):
        raise BadRequest("The template renders an empty prompt for every row: nothing to send.")
    return Plan(source_name, frame, parsed, models, (system_prompt or "").strip() or None, dict(params or {}),
                concurrency, prompts, skipped)


def job_and_rows(p: Plan, user_id: str) -> tuple[BatchJob, list[BatchRow]]:
    now, job_id = utcnow(), new_id()
    job = BatchJob(job_id, user_id, now, now, p.source_name[:200], p.template.text, p.system_prompt, p.models,
                   p.params, list(p.frame.columns), p.concurrency)
    records = p.frame.to_dict("records")
    rows = [BatchRow(job_id, i + 1, model, records[i], prompt, PENDING if prompt.strip() else SKIPPED,
                     updated_utc=now, error=None if prompt.strip() else "the template rendered an empty prompt")
            for i, prompt in enumerate(p.prompts) for model in p.models]
    return job, rows
