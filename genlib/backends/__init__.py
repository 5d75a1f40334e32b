"""The storage seam: the roles as Protocols (base) and their embedded defaults: DuckDB records
(duckdb/) and local files, diskcache and in-process state (local/).
"""
