"""The service fixtures: without PostgreSQL or Redis a test skips with one line, under CI it fails."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
def test_needs_postgres(pg_schema):
    pass

def test_needs_redis(redis_space):
    pass
"""


@pytest.mark.parametrize("ci", [None, "1"])
def test_a_missing_service_skips_on_a_laptop_and_fails_under_ci(tmp_path, ci):
    (tmp_path / "test_probe.py").write_text(PROBE)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(GENLIB_TEST_DATABASE_URL="postgresql://127.0.0.1:1/test", GENLIB_TEST_REDIS_URL="redis://127.0.0.1:1/0",
               PYTHONPATH=str(ROOT))
    if ci:
        env["CI"] = ci
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rsf", "-p", "tests.services",
                          "-p", "no:cacheprovider", str(tmp_path / "test_probe.py"), "--rootdir", str(tmp_path)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    if ci:
        assert "2 errors" in out.stdout and out.stdout.count("(CI must provide it)") == 2, out.stdout
        assert "During handling" not in out.stdout
    else:
        assert "2 skipped" in out.stdout, out.stdout
        assert "PostgreSQL at postgresql://127.0.0.1:1/test is not reachable" in out.stdout
        assert "Redis at redis://127.0.0.1:1/0 is not reachable" in out.stdout
