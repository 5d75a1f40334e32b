"""The PostgreSQL record store (`GENLIB_DATABASE_URL=postgresql://…`): pool, migrations, leases.

Imported only when a database URL is configured: the embedded default never loads psycopg.
"""
from .leases import Heartbeat, Leases
from .pool import check_schema, open_pool
from .store import PostgresStore

__all__ = ["PostgresStore", "Leases", "Heartbeat", "open_pool", "check_schema"]
