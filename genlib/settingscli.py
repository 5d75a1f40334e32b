"""`python -m genlib budgets|prices export|import FILE`: the budgets and prices as TOML files.

Run on the SettingsStore alone, never a Vault: it works while the app runs, with the embedded
files (import replaces the file in place) as with a database (every replica applies the import
within seconds). An import is validated first: an invalid file changes nothing. `--if-version`
refuses it if someone saved since the version given (the one `export` printed).
"""
from __future__ import annotations

import getpass
import socket
import sys
from pathlib import Path

from .backends.factory import open_documents
from .cliout import EXIT_ERROR, say
from .config import Settings
from .errors import GenlibError
from .settingsdoc import NAMES
from .settingsedit import decode, save

COMMANDS = NAMES  # "budgets", "prices"


def add_parsers(sub) -> None:
    for name in NAMES:
        parser = sub.add_parser(name, help=f"export or import the {name} (TOML), wherever they are kept",
                                description=f"export: write the {name} in force to FILE ('-': stdout); "
                                            f"import: replace them with FILE ('-': stdin), if it is valid.")
        parser.add_argument("verb", choices=("export", "import"))
        parser.add_argument("file")
        parser.add_argument("--if-version", default=None, metavar="V",
                            help="import only if not saved since version V (as `export` printed it)")


def run(args) -> int:
    try:
        documents = open_documents(Settings.from_env())
    except GenlibError as exc:
        return _fail(str(exc))
    try:
        return (_export if args.verb == "export" else _import)(documents, args.command, args)
    except GenlibError as exc:
        return _fail(str(exc))
    finally:
        documents.close()


def _export(documents, name: str, args) -> int:
    doc = documents.read(name)
    if doc.text is None:
        return _fail(f"no {name} are saved in the {doc.where}: nothing to export")
    if args.file == "-":
        sys.stdout.write(doc.text)
    else:
        try:
            Path(args.file).expanduser().write_text(doc.text, encoding="utf-8")
        except OSError as exc:
            return _fail(f"can't write {args.file}: {exc.strerror or exc}")
    say(f"exported the {doc.where} (version {doc.version}{_by(doc)}) to {args.file}", file=sys.stderr)
    return 0


def _import(documents, name: str, args) -> int:
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).expanduser().read_bytes()
    except OSError as exc:
        return _fail(f"can't read {args.file}: {exc.strerror or exc}")
    saved = save(documents, name, decode(data, name), args.if_version, by=_who())
    every = " (on every replica within a few seconds)" if saved.path is None else ""
    say(f"imported {args.file} into the {saved.where} (version {saved.version}); it applies at once{every}",
        file=sys.stderr)
    return 0


def _who() -> str:
    """Who saved it, as the database records it: the CLI's user on this machine."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown"
    return f"{user}@{socket.gethostname()} (CLI)"


def _by(doc) -> str:
    who = f" by {doc.updated_by}" if doc.updated_by else ""
    return who + (f", {doc.updated_at:%Y-%m-%d %H:%M} UTC" if doc.updated_at else "")


def _fail(text: str) -> int:
    say(f"genlib: {text}", file=sys.stderr)
    return EXIT_ERROR
