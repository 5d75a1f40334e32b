"""`python -m genlib prune [--dry-run]` and `python -m genlib delete ID`: the retention commands.

The CLI runs as the operator (it opens the store itself): `delete` takes any generation, and the
tombstone names the CLI's user on this machine, as settings saves do.
"""
from __future__ import annotations

import sys

from .errors import NotFound
from .money import format_usd
from .settingscli import _who

COMMANDS = ("prune", "delete")


def add_parsers(sub) -> None:
    prune = sub.add_parser("prune", help="delete generations the [retention] policy says are too old "
                                         "(tombstones keep their cost)")
    prune.add_argument("--dry-run", action="store_true", help="only say what would be deleted")
    delete = sub.add_parser("delete", help="delete one generation (a tombstone keeps its cost)")
    delete.add_argument("id")


def run(vault, args, say) -> int:
    return cmd_prune(vault, args, say) if args.command == "prune" else cmd_delete(vault, args, say)


def cmd_prune(vault, args, say) -> int:
    if not vault.retention_policy().active:
        say("No retention policy: add a [retention] table (days = N) to the budgets. Nothing deleted.")
        return 0
    report = vault.prune(dry_run=args.dry_run, compact=not args.dry_run)  # the CLI owns the store now
    if report is None:
        say("genlib: another process is pruning right now; try again when it is done.", file=sys.stderr)
        return 1
    verb = "would delete" if args.dry_run else "deleted"
    span = (f", created {report.oldest:%Y-%m-%d %H:%M} to {report.newest:%Y-%m-%d %H:%M} UTC"
            if report.count else "")
    say(f"{verb} {report.count} generation{'' if report.count == 1 else 's'} ({report.bytes:,} bytes of text, "
        f"{report.images} picture{'' if report.images == 1 else 's'}){span}")
    if report.kept:
        say(f"kept {report.kept} old enough but starred, shared or noted")
    if args.dry_run:
        say("dry run: use `python -m genlib prune` to delete them")
    return 0


def cmd_delete(vault, args, say) -> int:
    gen = vault.get(args.id)
    tomb = vault.tombstone(args.id)
    if tomb is not None:
        say(vault.deleted_sentence(tomb))
        return 0
    if gen is None:
        raise NotFound(f"generation {args.id[:40]!r} not found")
    tomb = vault.delete(args.id, by=_who())
    say(f"{vault.deleted_sentence(tomb)} Its cost ({format_usd(gen.cost_usd)}) stays in the books.")
    return 0
