"""`python -m genlib batch run|resume|status|export`: batch jobs from the command line (issue 13).

The same job model as the /batch page: `run` reads the file, shows the estimate, asks before
spending (unless --yes), prints the job id and its page, then a progress bar until the job ends.
Ctrl+C pauses the job; a kill -9 leaves it to `batch resume JOB_ID` (the lease of a dead process
on this machine is taken over at once), which never re-sends a finished row.
"""
from __future__ import annotations

import sys
import time
from functools import partial
from pathlib import Path

from .appurl import app_url
from .batch.results import FORMATS
from .batchrecords import DONE
from .cliout import cli_user, say
from .errors import BadRequest
from .money import format_usd as money

_say = partial(say, flush=True)  # flushed at once: the progress bar is drawn between these lines


def add_parser(sub) -> None:
    batch = sub.add_parser("batch", help="run a prompt template over every row of a CSV or Parquet file")
    verbs = batch.add_subparsers(dest="batch_command", required=True)
    run = verbs.add_parser("run", help="estimate, ask, then run a new batch job")
    run.add_argument("file")
    run.add_argument("--template", required=True, help="the prompt, with {column} placeholders")
    run.add_argument("-m", "--model", action="append", required=True, help="a model (repeat for several)")
    run.add_argument("--system", default=None)
    run.add_argument("--concurrency", type=int, default=8)
    run.add_argument("--yes", action="store_true", help="don't ask before spending")
    for name, text in (("resume", "go on with a paused or crashed job"), ("status", "show a job's progress")):
        verbs.add_parser(name, help=text).add_argument("job_id")
    export = verbs.add_parser("export", help="write a job's results (partial ones too)")
    export.add_argument("job_id")
    export.add_argument("out")
    export.add_argument("--format", choices=FORMATS, default=None, help="default: from OUT's suffix, else csv")


def run(vault, args) -> int:
    return {"run": _run, "resume": _resume, "status": _status, "export": _export}[args.batch_command](vault, args)


def job_url(job_id: str) -> str:
    return app_url(f"/batch?id={job_id}")


def _run(vault, args) -> int:
    path = Path(args.file).expanduser()
    if not path.is_file():
        raise BadRequest(f"{path} is not a file.")
    plan = vault.batch_plan(path.read_bytes(), path.name, args.template, args.model, args.system,
                            concurrency=args.concurrency)
    estimate = vault.batch_estimate(plan, cli_user())
    _say(f"{plan.rows:,} rows ({len(plan.skipped):,} skipped: empty prompt"
         f"{' — rows ' + ', '.join(map(str, plan.skipped[:20])) if plan.skipped else ''}) x {len(plan.models)} models")
    _say(f"{estimate.tokens_label}; expected {money(estimate.expected_usd)}, worst case {money(estimate.worst_usd)}")
    _say(estimate.budget_message)
    if not args.yes and not _confirm():
        _say("Nothing was sent.")
        return 1
    job_id = vault.batch_create(plan, cli_user())
    _say(f"job {job_id}  {job_url(job_id)}")
    return _follow(vault, job_id)


def _confirm() -> bool:
    if not sys.stdin.isatty():
        _say("Not a terminal: pass --yes to run without asking.", file=sys.stderr)
        return False
    return input("Run it? [y/N] ").strip().lower() in ("y", "yes")


def _resume(vault, args) -> int:
    job = vault.batch_job(args.job_id)
    if job is None:
        raise BadRequest(f"Batch {args.job_id} not found.")
    _say(f"job {job.id}  {job_url(job.id)}")
    return _follow(vault, job.id)


def _follow(vault, job_id: str) -> int:
    vault.batch_run(job_id)
    try:
        while vault.batch_progress(job_id).running_here:
            _draw(vault.batch_progress(job_id))
            time.sleep(0.5)
    except KeyboardInterrupt:
        vault.batch_pause(job_id)
        vault.batch_wait(job_id, 60)
        _say("\npaused: `python -m genlib batch resume " + job_id + "` goes on")
        return 130
    vault.batch_wait(job_id)
    progress = vault.batch_progress(job_id)
    _draw(progress)
    print(file=sys.stderr)
    _say(_summary(progress))
    return 0 if progress.job.status == DONE and not progress.failed else 1


def _draw(p) -> None:
    share = (p.total - p.remaining) / p.total if p.total else 1.0
    left = f", ~{p.seconds_left:,.0f} s left" if p.seconds_left is not None else ""
    end = "\r" if sys.stderr.isatty() else "\n"
    print(f"[{'#' * int(share * 30):<30}] {p.done:,} done, {p.failed:,} failed, {p.remaining:,} left, "
          f"{money(p.spend_usd)}{left}", file=sys.stderr, end=end, flush=True)


def _summary(p) -> str:
    line = (f"{p.job.status}: {p.done:,} done, {p.failed:,} failed, {p.skipped:,} skipped, {p.remaining:,} left; "
            f"spent {money(p.spend_usd)}")
    return line + (f"\n{p.job.message}" if p.job.message else "")


def _status(vault, args) -> int:
    if vault.batch_job(args.job_id) is None:
        raise BadRequest(f"Batch {args.job_id} not found.")
    progress = vault.batch_progress(args.job_id)
    _say(f"job {progress.job.id}  {job_url(progress.job.id)}  models {', '.join(progress.job.models)}")
    _say(_summary(progress))
    return 0


def _export(vault, args) -> int:
    fmt = args.format or next((f for f in FORMATS if args.out.lower().endswith("." + f)), "csv")
    path = vault.batch_export(args.job_id, Path(args.out).expanduser(), fmt)
    _say(f"wrote {path}")
    return 0
