"""Run by the image crash test: start one image generation and stop dead at a chosen point of saving.

    python tests/reliability/image_crash_child.py DATA_DIR BASE_URL WHEN

WHEN is "after-file" (the picture is written, its thumbnail not yet) or "before-file" (the
provider has answered, no file is written yet). Prints the id, then "paused" at that point and
sleeps there until the test SIGKILLs the process.
"""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from genlib import GenerationRequest  # noqa: E402
from tests.vaults import make_vault  # noqa: E402


class _Endpoint:
    def __init__(self, base_url):
        self.base_url = base_url


def pause_in(images, when: str) -> None:
    """Wrap the image store's file write (the OS boundary of saving) to stop at `when`."""
    write = images._write

    def paused_write(rel, payload):
        if when == "after-file":
            write(rel, payload)
        print("paused", flush=True)
        time.sleep(600)

    images._write = paused_write


def main() -> None:
    data_dir, base_url, when = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    vault = make_vault(data_dir, _Endpoint(base_url), flush_interval_s=0.2)
    pause_in(vault.images, when)
    request = GenerationRequest("a lighthouse at dusk", "gpt-image-1", kind="image", params={"size": "256x256"})
    print(vault.start(request, user_id="ana"), flush=True)
    time.sleep(600)


if __name__ == "__main__":
    main()
