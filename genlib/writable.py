"""The storage check made before any provider call: never pay for a generation that can't be saved.

A probe file is written and removed in the data dir, and the disk must have room left. Raises
`StorageUnavailable` with a message that says nothing was sent.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from .errors import StorageUnavailable
from .ids import new_id

MIN_FREE_BYTES = 50 * 1024 * 1024


def check_writable(data_dir: Path) -> None:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / f".write-probe-{new_id()}"
        probe.write_bytes(b"ok")
        probe.unlink()
        free = shutil.disk_usage(data_dir).free
    except OSError as exc:
        raise StorageUnavailable(f"The data dir {data_dir} can't be written ({exc.strerror}): "
                                 "nothing was sent to the provider.") from exc
    if free < MIN_FREE_BYTES:
        raise StorageUnavailable(f"The disk holding {data_dir} is nearly full "
                                 f"({free // 1_048_576} MB free): nothing was sent to the provider.")
