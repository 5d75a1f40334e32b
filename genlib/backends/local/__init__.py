"""Embedded defaults that live in this process or the data dir: image files, the diskcache dedup cache.
"""
