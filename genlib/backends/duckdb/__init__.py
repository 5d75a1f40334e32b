"""The embedded record store: one DuckDB file (store, sql, migrations, rollup, export).
"""
