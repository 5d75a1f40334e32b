"""`python -m genlib doctor` with every team service cut (TCP proxies): one FAILED line each, exit 1."""
from __future__ import annotations

import os
import subprocess
import sys

from tests.faults import proxied


def test_doctor_reports_each_unreachable_service_in_one_line(pg_schema, redis_space, s3_bucket, tmp_path):
    db, pg = proxied(f"{pg_schema.url}{'&' if '?' in pg_schema.url else '?'}schema={pg_schema.schema}", 5432)
    coord, redis = proxied(redis_space.url, 6379)
    endpoint, s3 = proxied(s3_bucket.endpoint, 80)
    env = {**os.environ, "GENLIB_DATA_DIR": str(tmp_path / "cli"), "GENLIB_DATABASE_URL": db,
           "GENLIB_REDIS_URL": f"{coord}{'&' if '?' in coord else '?'}prefix={redis_space.prefix}",
           "GENLIB_BLOB_URL": s3_bucket.url(), "AWS_ENDPOINT_URL": endpoint, "AWS_MAX_ATTEMPTS": "1"}
    try:
        for proxy in (pg, redis, s3):
            proxy.cut()
        done = subprocess.run([sys.executable, "-m", "genlib", "doctor"], env=env, capture_output=True,
                              text=True, timeout=120)
    finally:
        for proxy in (pg, redis, s3):
            proxy.stop()
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    for backend in ("database", "images", "coordination"):
        [line] = [ln for ln in lines if ln.startswith(backend)]
        assert "FAILED" in line
