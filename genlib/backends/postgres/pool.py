"""Connections to PostgreSQL: one psycopg pool per process, every connection in the store's schema.

The schema comes from configuration (`?schema=` in `GENLIB_DATABASE_URL`, default `genvault`), is
checked against a plain identifier pattern and set as each connection's `search_path` (with
`public` after it, where the `pg_trgm` extension lives). Connections are in autocommit mode: a
write of several statements opens its own transaction. Driver errors that mean "the database
can't be reached" become `StorageUnavailable` with one readable line.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from ...errors import StorageUnavailable, first_line
from ..urls import describe as describe_url, take_param
from .circuit import Circuit

DEFAULT_SCHEMA = "genvault"
_SCHEMA = re.compile(r"[a-z_][a-z0-9_]{0,62}")
CONNECT_TIMEOUT_S = 5
# What a lost or refused connection raises; an OperationalError with another SQLSTATE (a limit, a
# cancelled statement) is a storage failure too, said as such. A query error (a constraint) stays one.
UNREACHABLE = (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout)
_CONNECTION_STATES = ("08", "57P", "53")  # connection exceptions, shutdown, insufficient resources


def check_schema(name: str) -> str:
    """The schema name if it is a plain lower-case identifier; ValueError otherwise (it is put
    in connection options and DDL as an identifier, never taken from a user)."""
    if not isinstance(name, str) or not _SCHEMA.fullmatch(name) or name.startswith("pg_"):
        raise ValueError(f"invalid PostgreSQL schema name {name!r}: use lower-case letters, digits and _")
    return name


def split_url(url: str) -> tuple[str, str]:
    """(libpq URL without our own `schema` parameter, the schema)."""
    conninfo, schema = take_param(url, "schema", DEFAULT_SCHEMA)
    return conninfo, check_schema(schema)


def open_pool(url: str, schema: str | None = None, min_size: int = 1, max_size: int = 8,
              timeout_s: float = 10.0) -> ConnectionPool:
    """A started pool; `schema` overrides the URL's. Raises StorageUnavailable if the database
    can't be reached within `timeout_s`."""
    conninfo, url_schema = split_url(url)
    schema = check_schema(schema) if schema is not None else url_schema
    # force_custom_plan: psycopg prepares a query on its 5th run, and PostgreSQL's generic plan for
    # `ILIKE $1` has no selectivity to go by, so it can scan every row instead of the trigram index.
    kwargs = {"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S,
              "options": f"-c search_path={schema},public -c plan_cache_mode=force_custom_plan",
              "application_name": f"genvault:{schema}"}
    # `check`: a connection is tried (one empty round trip, ~0.1 ms) before it is handed out, so after a
    # database restart the pool reconnects instead of failing the first call on each dead connection.
    pool = ConnectionPool(conninfo, min_size=min_size, max_size=max_size, open=False, timeout=timeout_s,
                          name=f"genlib-{schema}", kwargs=kwargs, check=ConnectionPool.check_connection)
    pool.schema = schema
    pool.circuit = Circuit(conninfo, kwargs)
    try:
        psycopg.connect(conninfo, **kwargs).close()  # fails at once, with libpq's reason (the pool retries)
        pool.open(wait=True, timeout=timeout_s)
    except UNREACHABLE as exc:
        pool.close()
        raise StorageUnavailable(f"The database at {describe(conninfo)} can't be reached "
                                 f"({first_line(exc)}).") from exc
    return pool


def describe(conninfo: str) -> str:
    """host:port/dbname of a URL, never its password (for messages)."""
    return describe_url(conninfo, 5432) + (urlsplit(conninfo).path or "")


@contextmanager
def connection(pool: ConnectionPool):
    """A pooled connection; a lost database becomes StorageUnavailable (at once while the pool's
    circuit breaker is open: see circuit.py)."""
    circuit = getattr(pool, "circuit", None)
    if circuit is not None:
        circuit.before(pool)
    try:
        with pool.connection() as con:
            yield con
    except UNREACHABLE as exc:
        state = getattr(exc, "sqlstate", None)
        if state is None or state.startswith(_CONNECTION_STATES):
            if circuit is not None:
                circuit.failed(exc)
            raise StorageUnavailable(f"The database can't be reached ({first_line(exc)}).") from exc
        raise StorageUnavailable(f"The database refused the operation ({first_line(exc)}).") from exc
