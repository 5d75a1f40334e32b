"""Reliability and security tests: crashes, provider faults, bad input, storage, load, users, secrets."""
