"""`python -m genlib tag|untag|note|star|rate|share|shares|revoke|sharing` and `list --tag/--starred/...`.

Kept apart from cli.py. The command line acts as the machine's operator (like `show`, it may act
on any generation), recorded as GENLIB_USER (default "local"). A share link's token is printed once,
inside the link; only its hash is stored, so it can't be shown again.
"""
from __future__ import annotations

import sys

from .appurl import app_url
from .cliout import cli_user, say
from .marks import EXPIRY, Marks, parse_rating
from .money import format_usd



def add_parsers(sub) -> None:
    for name, text in (("tag", "add tags to a generation"), ("untag", "remove tags from a generation")):
        parser = sub.add_parser(name, help=text)
        parser.add_argument("id")
        parser.add_argument("tags", nargs="+")
    note = sub.add_parser("note", help='set a generation\'s note (Markdown; "-" reads stdin, "" clears it)')
    note.add_argument("id")
    note.add_argument("text")
    star = sub.add_parser("star", help="star a generation (--off to unstar)")
    star.add_argument("id")
    star.add_argument("--off", action="store_true")
    rate = sub.add_parser("rate", help="rate a generation: up, down or none")
    rate.add_argument("id")
    rate.add_argument("rating", choices=("up", "down", "none"))
    share = sub.add_parser("share", help="print a read-only link to a generation")
    share.add_argument("id")
    share.add_argument("--expires", choices=tuple(EXPIRY), default="7d")
    share.add_argument("--include-cost", action="store_true")
    share.add_argument("--include-system", action="store_true")
    sub.add_parser("shares", help="list share links: state, views, last viewed")
    revoke = sub.add_parser("revoke", help="revoke a share link (its id, as `shares` prints it)")
    revoke.add_argument("share_id")
    sharing = sub.add_parser("sharing", help="turn sharing on or off for everyone")
    sharing.add_argument("state", choices=("on", "off"))


def add_list_args(parser) -> None:
    """`list` filters on marks (then `list` shows those generations, newest first)."""
    parser.add_argument("--tag", default=None)
    parser.add_argument("--starred", action="store_true")
    parser.add_argument("--rating", choices=("up", "down"), default=None)
    parser.add_argument("--has-note", action="store_true")


def wants_marks(args) -> bool:
    return bool(getattr(args, "tag", None) or getattr(args, "starred", False) or getattr(args, "rating", None)
                or getattr(args, "has_note", False))


def _show(annotation) -> int:
    star = "★" if annotation.starred else "☆"
    rating = {1: "👍", -1: "👎"}.get(annotation.rating, "-")
    say(f"{annotation.generation_id}  {star} {rating}  tags: {', '.join(annotation.tags) or '-'}"
         + (f"\nnote: {annotation.note}" if annotation.note else ""))
    return 0


def cmd_tag(vault, args) -> int:
    key = "add_tags" if args.command == "tag" else "remove_tags"
    return _show(vault.annotate(args.id, cli_user(), None, **{key: args.tags}))


def cmd_note(vault, args) -> int:
    text = sys.stdin.read() if args.text == "-" else args.text
    return _show(vault.annotate(args.id, cli_user(), None, note=text))


def cmd_star(vault, args) -> int:
    return _show(vault.annotate(args.id, cli_user(), None, starred=not args.off))


def cmd_rate(vault, args) -> int:
    return _show(vault.annotate(args.id, cli_user(), None, rating=args.rating))


def cmd_marked(vault, args, filters=None) -> int:
    """`list` with marks; `filters` are the command's other filters (--model, --status...)."""
    rating = parse_rating(args.rating) if args.rating else None
    marks = Marks(tag=args.tag.strip().lower() if args.tag else None, starred=True if args.starred else None,
                  rating=rating, has_note=True if args.has_note else None)
    found = vault.marked(marks, None, limit=500, filters=filters)[:max(args.limit, 1)]
    notes = vault.annotations_of([g.id for g in found])
    for gen in found:
        tags = ", ".join(notes[gen.id].tags) if gen.id in notes else ""
        preview = " ".join(gen.prompt.split())[:60]
        say(f"{gen.id}  {gen.created_utc:%Y-%m-%d %H:%M}  {gen.status:<11} {format_usd(gen.cost_usd):>14}  "
             f"[{tags}]  {preview}")
    return 0


def share_url(token: str) -> str:
    return app_url(f"/?share={token}")


def cmd_share(vault, args) -> int:
    link = vault.share(args.id, cli_user(), None, expires=args.expires, include_cost=args.include_cost,
                       include_system=args.include_system)
    say(share_url(link.token))
    when = f"expires {link.expires_utc:%Y-%m-%d %H:%M} UTC" if link.expires_utc else "never expires"
    say(f"share {link.id}: {when}; shown once (only its hash is kept)", file=sys.stderr)
    return 0


def cmd_shares(vault, args) -> int:
    from .clock import utcnow

    now = utcnow()
    for s in vault.my_shares(None):
        seen = f"{s.last_viewed_utc:%Y-%m-%d %H:%M}" if s.last_viewed_utc else "never"
        say(f"{s.id}  {s.generation_id}  {s.state(now):<8} {s.views:>6} views  last {seen}  by {s.owner_id}")
    return 0


def cmd_revoke(vault, args) -> int:
    if not vault.revoke_share(args.share_id, None):
        say(f"genlib: no active share link {args.share_id[:40]}", file=sys.stderr)
        return 4
    say(f"revoked {args.share_id}")
    return 0


def cmd_sharing(vault, args) -> int:
    vault.set_sharing(args.state == "on", cli_user(), is_admin=True)
    say(f"sharing is {args.state}")
    return 0


COMMANDS = {"tag": cmd_tag, "untag": cmd_tag, "note": cmd_note, "star": cmd_star, "rate": cmd_rate,
            "share": cmd_share, "shares": cmd_shares, "revoke": cmd_revoke, "sharing": cmd_sharing}
