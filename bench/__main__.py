"""`python -m bench [--quick | --tiny] [--out PATH]`: run the benchmarks, write JSON, print a table.

Full run: bench/results.json (committed; copy its table into docs/PERFORMANCE.md). Quick and
tiny runs write bench/results-quick.json (git-ignored) unless --out says otherwise.
"""
from __future__ import annotations

import sys

from .cli import finish, size_args
from .runner import run


def main(argv: list[str] | None = None) -> int:
    sizes, out = size_args("python -m bench", __doc__, argv, "results.json", "results-quick.json")
    results = run(sizes, log=lambda line: print(line, file=sys.stderr, flush=True))
    return finish(results, out, f"GenVault benchmarks, {sizes.name} run, {results['date']}, "
                  f"{results['duration_s']} s ({results['machine']['cores']} cores, {results['machine']['cpu']})")


if __name__ == "__main__":
    sys.exit(main())
