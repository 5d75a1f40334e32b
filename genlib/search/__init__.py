"""History search: the query language (query), the SQLite FTS5 index (index) and its query plans
(plan), keeping it in step with the records (sync), pages (history) and snippets.
"""
