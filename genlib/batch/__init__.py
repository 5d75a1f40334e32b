"""Batch runs: one prompt template over every row of a table, for one or more models (issue 13).

table (read CSV/Parquet), template ({column} placeholders), plan (render, skip empties, job rows),
estimate (tokens, cost, budget), runner (background, lease, retries, resume), results (export).
The Vault's verbs are in genlib/batchapi.py; storage is the BatchStore role (backends/base.py).
"""
