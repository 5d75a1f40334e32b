"""The command line every `python -m bench...` entry point shares: --quick / --tiny / --out, then the
results written as JSON and the key | value | target | verdict table printed."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from .report import TARGETS, table
from .sizes import FULL, QUICK, TINY

HERE = Path(__file__).resolve().parent


def size_args(prog: str, doc: str, argv: list[str] | None, full: str, smaller: str):
    """(sizes, output path) from --quick / --tiny / --out; `full` and `smaller` name the default files."""
    parser = argparse.ArgumentParser(prog=prog, description=doc.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="smaller sizes, about a minute")
    size.add_argument("--tiny", action="store_true", help="a few seconds: only checks the scripts still run")
    parser.add_argument("--out", type=Path, default=None, help="where to write the JSON results")
    args = parser.parse_args(argv)
    sizes = TINY if args.tiny else QUICK if args.quick else FULL
    return sizes, args.out or HERE / (full if sizes is FULL else smaller)


def finish(results: dict, out: Path, heading: str, targets: dict = TARGETS) -> int:
    """Write the JSON, print the heading, the table and any errors; the exit status (1: errors)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(heading)
    print(table(results, targets))
    if results["errors"]:
        print("errors: " + "; ".join(f"{k}: {v}" for k, v in results["errors"].items()))
    print(f"written to {out}")
    return 1 if results["errors"] else 0
