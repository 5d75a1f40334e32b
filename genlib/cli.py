"""The command line: generate, show, list/search, costs, export, reprice, reindex, doctor.

Every command opens the same Vault the app uses. DuckDB lets one process open the database,
so while the app runs the CLI says so in one line, naming the pid, and exits with status 3.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .api import Vault
from .cliargs import dash_positionals
from .cliout import EXIT_BROKEN_PIPE, EXIT_ERROR, EXIT_LOCKED, EXIT_NOT_FOUND, plural, progress_bar, say, tokens
from .config import Settings
from . import batchcli, curatecli, prunecli, settingscli
from .doctor import run_checks
from .errors import DatabaseLocked, GenlibError
from .filters import Filters
from .money import format_usd as money  # exact, zeros trimmed, or "unpriced"
from .sendcli import cmd_generate, cmd_image


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m genlib", description="GenVault: durable AI generations.")
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="generate, streaming to the terminal; prints the id")
    gen.add_argument("prompt", help='the prompt, or "-" to read it from stdin (a command line holds ~128 kB)')
    gen.add_argument("-m", "--model", default=None)
    gen.add_argument("--image", action="store_true", help="generate an image")
    gen.add_argument("-a", "--attach", action="append", default=[], metavar="PATH",
                     help="attach an image (PNG, JPEG, WebP, GIF) for a vision model; repeatable")
    gen.add_argument("-s", "--system", default=None)
    gen.add_argument("--temperature", type=float, default=None)
    gen.add_argument("--max-tokens", type=int, default=None)
    gen.add_argument("--size", default=None)
    gen.add_argument("--force", action="store_true", help="bypass the dedup cache")
    show = sub.add_parser("show", help="show one generation")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    for name in ("list", "search"):
        lst = sub.add_parser(name, help="list generations, newest first")
        if name == "search":
            lst.add_argument("q")
        _filter_args(lst)
        lst.add_argument("--page", type=int, default=1)
        lst.add_argument("--after", default=None, help="the position a previous page printed (keyset paging)")
        lst.add_argument("--best", action="store_true", help="best match first instead of newest first")
        lst.add_argument("--limit", type=int, default=20)
        curatecli.add_list_args(lst)
    costs = sub.add_parser("costs", help="cost totals and by model/user")
    _filter_args(costs)
    exp = sub.add_parser("export", help="export generations (DuckDB COPY)")
    exp.add_argument("dest")
    exp.add_argument("--format", choices=("csv", "jsonl", "parquet"), default="csv")
    _filter_args(exp)
    rep = sub.add_parser("reprice", help="recompute costs with today's prices (dry run)")
    rep.add_argument("--apply", action="store_true")
    image = sub.add_parser("image", help="write a generation's picture to a file (any image store)")
    image.add_argument("id")
    image.add_argument("--index", type=int, default=0, help="which picture (from 0)")
    image.add_argument("--out", required=True, help="the file to write")
    sub.add_parser("reindex", help="rebuild the search index from the records (progress on stderr)")
    sub.add_parser("doctor", help="check each configured backend: database, images, dedup cache or Redis")
    settingscli.add_parsers(sub)  # budgets / prices export|import
    prunecli.add_parsers(sub)  # prune, delete
    curatecli.add_parsers(sub)  # tag, note, star, share... (curatecli.py)
    batchcli.add_parser(sub)  # batch run|resume|status|export
    return parser


def _filter_args(parser: argparse.ArgumentParser) -> None:
    for flag in ("--model", "--status", "--kind", "--user", "--from", "--to"):
        parser.add_argument(flag, default=None)


def _filters(args) -> tuple[Filters, list[str]]:
    raw = {k: getattr(args, k, None) for k in ("q", "model", "status", "kind", "user")}
    raw.update({"from": getattr(args, "from", None), "to": args.to})
    return Filters.from_query({k: v for k, v in raw.items() if v})


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(dash_positionals(parser, sys.argv[1:] if argv is None else list(argv)))
    if args.command == "doctor":  # without a Vault: it must work when the Vault can't open
        return cmd_doctor()
    if args.command in settingscli.COMMANDS:  # without a Vault too: they work while the app runs
        return settingscli.run(args)
    try:
        vault = Vault()
    except DatabaseLocked as exc:
        say(f"genlib: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except GenlibError as exc:
        say(f"genlib: {exc}", file=sys.stderr)
        return EXIT_ERROR
    try:
        code = (prunecli.run(vault, args, say) if args.command in prunecli.COMMANDS
                else {**COMMANDS, **curatecli.COMMANDS}[args.command](vault, args))
        sys.stdout.flush()  # here, so a reader that went away (`| head`) is noticed inside the try
        return code
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except GenlibError as exc:
        say(f"genlib: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    finally:
        vault.close()


def _silence_stdout() -> None:
    """The reader of stdout is gone: point stdout at /dev/null so the exit's own flush can't raise
    (Python would print a BrokenPipeError traceback on its way out)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def cmd_show(vault: Vault, args) -> int:
    gen, tomb = vault.get(args.id), vault.tombstone(args.id)
    if tomb is not None:
        say(f"{args.id}  deleted  {vault.deleted_sentence(tomb)}")
        return 0
    if gen is None:
        say(f"genlib: generation {args.id[:40]!r} not found", file=sys.stderr)
        return EXIT_NOT_FOUND
    if args.json:
        say(json.dumps(gen.to_dict(), indent=2, ensure_ascii=False), as_json=True)
        return 0
    say(f"{gen.id}  {gen.status}  {gen.kind}  {gen.created_utc:%Y-%m-%d %H:%M:%S} UTC  user {gen.user_id}")
    priced_estimate = " (estimated)" if gen.usage_estimated and gen.cost_usd is not None else ""
    say(f"model: {gen.model_requested} -> {gen.model_used or '?'}  {tokens(gen)}  "
        f"cost: {money(gen.cost_usd)}{priced_estimate}")
    if gen.error:
        say(f"error: {gen.error}")
    say(f"\n> {gen.prompt}\n\n{gen.result_text}")
    return 0


def cmd_list(vault: Vault, args) -> int:
    filters, problems = _filters(args)
    for problem in problems:
        say(f"genlib: {problem}", file=sys.stderr)
    if curatecli.wants_marks(args):
        return curatecli.cmd_marked(vault, args, filters)
    page = vault.search(filters, args.page, args.limit, after=args.after, order="best" if args.best else "newest")
    if page.total is not None and filters.q:
        say(f"{page.total:,}{'+' if page.total_capped else ''} matches"
            + (" (short terms alone: the newest records only)" if page.limited else ""), file=sys.stderr)
    for gen in page.items:
        preview = " ".join(gen.prompt.split())[:60]
        say(f"{gen.id}  {gen.created_utc:%Y-%m-%d %H:%M}  {gen.status:<11} {gen.model_requested:<18} "
            f"{tokens(gen):>24}  {money(gen.cost_usd):>14}  {preview}")
        if page.snippets.get(gen.id):
            say("    " + "".join(f"[{text}]" if hit else text for text, hit in page.snippets[gen.id]))
    if page.has_more:
        more = f"--page {page.page + 1}" if args.best else f"--after {page.next_after}"
        say(f"-- more: {more}", file=sys.stderr)
    return 0


def cmd_reindex(vault: Vault, args) -> int:
    done = vault.reindex(progress=progress_bar(sys.stderr))
    print(file=sys.stderr)
    say(f"indexed {done:,} generations")
    return 0


def cmd_costs(vault: Vault, args) -> int:
    report = vault.costs(_filters(args)[0])
    t = report.totals
    estimated = f" ({t['estimated_tokens']:,} estimated)" if t.get("estimated_tokens") else ""
    say(f"total {money(t['cost_usd'] or 0)} over {plural(int(t['generations']), 'generation')}, "
        f"{int(t['tokens'] or 0):,} tokens{estimated}; saved {money(t['saved_usd'])} in "
        f"{plural(int(t['cache_hits']), 'cache hit')}; {int(t['unpriced']):,} unpriced")
    for row in report.by_model.itertuples():
        say(f"  {row.model:<28} {money(row.cost_usd):>16}  {plural(int(row.generations), 'generation')}")
    return 0


def cmd_export(vault: Vault, args) -> int:
    path = vault.export(args.dest, args.format, _filters(args)[0])
    say(f"wrote {path}")
    return 0


def cmd_reprice(vault: Vault, args) -> int:
    r = vault.reprice(apply=args.apply)
    verb = "applied" if args.apply else "dry run (use --apply to write)"
    say(f"{r.rows} rows, {r.changed} would change ({r.newly_priced} newly priced): "
          f"{money(r.old_total)} -> {money(r.new_total)} (difference {money(r.difference)}); {verb}")
    return 0


def cmd_doctor() -> int:
    try:
        settings = Settings.from_env()
    except GenlibError as exc:
        say(f"genlib: {exc}", file=sys.stderr)
        return EXIT_ERROR
    checks = run_checks(settings)
    for check in checks:
        say(check.line())
    return 0 if all(check.ok for check in checks) else EXIT_ERROR


COMMANDS = {"generate": cmd_generate, "show": cmd_show, "list": cmd_list, "search": cmd_list,
            "costs": cmd_costs, "export": cmd_export, "reprice": cmd_reprice, "reindex": cmd_reindex,
            "image": cmd_image, "batch": batchcli.run}
