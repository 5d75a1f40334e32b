"""The PostgreSQL record store (`GENLIB_DATABASE_URL=postgresql://…`): pool, migrations, leases.

Imported only when a database URL is configured: the embedded default never loads psycopg.
"""
from .leases import Heartbeat, Leases, new_replica_id
from .pool import check_schema, open_pool
from .store import PostgresStore

__all__ = ["PostgresStore", "Leases", "Heartbeat", "new_replica_id", "open_pool", "check_schema"]
