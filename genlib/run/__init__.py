"""Running generations: worker threads (worker, workerpool), their text in memory (live), the
single writer (persister) and the start-up sweep of rows a dead process left live (sweep).
"""
