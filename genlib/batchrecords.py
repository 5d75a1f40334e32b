"""Batch jobs and their rows as stored (`BatchStore` in backends/base.py): plain dataclasses.

A job runs one prompt template over every row of a table, for each of its models; each (row, model)
is one `BatchRow` with an idempotency key `job:row:model` and, once sent, the id of its generation.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal

# Job states. RUNNING means "a runner should be working on it" (it may have crashed: see the lease).
READY, RUNNING, PAUSED, CANCELLED, DONE = "ready", "running", "paused", "cancelled", "done"
# Row states. SENT: its generation was started (gen_id recorded before the provider was called).
PENDING, SENT, OK, FAILED, SKIPPED = "pending", "sent", "done", "failed", "skipped"


@dataclass
class BatchJob:
    id: str
    user_id: str
    created_utc: datetime
    updated_utc: datetime
    source_name: str
    template: str
    system_prompt: str | None
    models: list[str]
    params: dict
    columns: list[str]
    concurrency: int
    status: str = READY
    message: str | None = None
    runner_id: str | None = None
    lease_until: datetime | None = None

    COLUMNS = ("id", "user_id", "created_utc", "updated_utc", "source_name", "template", "system_prompt",
               "models_json", "params_json", "columns_json", "concurrency", "status", "message", "runner_id",
               "lease_until")

    def to_row(self) -> tuple:
        return (self.id, self.user_id, self.created_utc, self.updated_utc, self.source_name, self.template,
                self.system_prompt, json.dumps(self.models), json.dumps(self.params), json.dumps(self.columns),
                self.concurrency, self.status, self.message, self.runner_id, self.lease_until)

    @classmethod
    def from_row(cls, row: dict) -> "BatchJob":
        values = {k: row[k] for k in cls.COLUMNS if not k.endswith("_json")}
        return cls(**values, models=json.loads(row["models_json"]), params=json.loads(row["params_json"]),
                   columns=json.loads(row["columns_json"]))


@dataclass
class BatchRow:
    job_id: str
    row_index: int
    model: str
    inputs: dict
    prompt: str
    status: str = PENDING
    gen_id: str | None = None
    attempts: int = 0
    cost_usd: Decimal | None = None
    error: str | None = None
    updated_utc: datetime | None = None
    idem_key: str = field(default="")

    COLUMNS = ("job_id", "row_index", "model", "idem_key", "inputs_json", "prompt", "status", "gen_id",
               "attempts", "cost_usd", "error", "updated_utc")

    def __post_init__(self):
        self.idem_key = self.idem_key or idempotency_key(self.job_id, self.row_index, self.model)

    @property
    def key(self) -> tuple[str, int, str]:
        return self.job_id, self.row_index, self.model

    def to_row(self) -> tuple:
        return (self.job_id, self.row_index, self.model, self.idem_key, json.dumps(self.inputs, ensure_ascii=False),
                self.prompt, self.status, self.gen_id, self.attempts, self.cost_usd, self.error, self.updated_utc)

    @classmethod
    def from_row(cls, row: dict) -> "BatchRow":
        names = {f.name for f in fields(cls)}
        values = {k: row[k] for k in cls.COLUMNS if k in names}
        cost = values.get("cost_usd")
        values["cost_usd"] = None if cost is None else Decimal(str(cost))
        return cls(**values, inputs=json.loads(row["inputs_json"]))


def idempotency_key(job_id: str, row_index: int, model: str) -> str:
    return f"{job_id}:{row_index}:{model}"
