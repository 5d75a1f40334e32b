"""`python -m bench [--quick | --tiny] [--out PATH]`: run the benchmarks, write JSON, print a table.

Full run: bench/results.json (committed; copy its table into docs/PERFORMANCE.md). Quick and
tiny runs write bench/results-quick.json (git-ignored) unless --out says otherwise.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .report import table
from .runner import run
from .sizes import FULL, QUICK, TINY

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="smaller sizes, under a minute")
    size.add_argument("--tiny", action="store_true", help="a few seconds: only checks the scripts still run")
    parser.add_argument("--out", type=Path, default=None, help="where to write the JSON results")
    args = parser.parse_args(argv)
    sizes = TINY if args.tiny else QUICK if args.quick else FULL
    out = args.out or HERE / ("results.json" if sizes is FULL else "results-quick.json")
    results = run(sizes, log=lambda line: print(line, file=sys.stderr, flush=True))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"GenVault benchmarks, {sizes.name} run, {results['date']}, {results['duration_s']} s "
          f"({results['machine']['cores']} cores, {results['machine']['cpu']})")
    print(table(results))
    if results["errors"]:
        print("errors: " + "; ".join(f"{k}: {v}" for k, v in results["errors"].items()))
    print(f"written to {out}")
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
