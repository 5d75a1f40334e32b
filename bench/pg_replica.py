"""Replica B of `python -m bench.pg_streams`: a Vault on the team backends named by GENLIB_DATABASE_URL
and GENLIB_REDIS_URL, in its own process (its own GIL, as a second server has), answering JSON
commands, one a line, on stdin (bench/pg_replicas.py's `ReplicaB` drives it). argv: data dir, the
bench server's base URL."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from tests.replica_child import serve

from .harness import raw_client
from .pg_replicas import follow_times, genlib_streams, raw_streams, team_vault


def main() -> None:
    data_dir, base_url = Path(sys.argv[1]), sys.argv[2]
    vault = team_vault(data_dir, base_url, os.environ["GENLIB_DATABASE_URL"], os.environ["GENLIB_REDIS_URL"])
    client = raw_client(base_url)
    ops = {"streams": lambda a: genlib_streams(vault, **a), "raw": lambda a: raw_streams(client, **a),
           "follow": lambda a: follow_times(vault, **a)}
    serve(ops, vault)


if __name__ == "__main__":
    main()
