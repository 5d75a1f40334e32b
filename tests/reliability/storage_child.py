"""Run under `unshare -m` by the storage tests: a real tmpfs data dir that is read-only or full.

    unshare -m python tests/reliability/storage_child.py MODE MOUNTPOINT BASE_URL

MODE: "readonly" (a read-only bind over the data dir once the vault is open), "readonly-at-start",
"full" (a tmpfs of 8 MB: under the 50 MB reserve), "fills-mid-stream" (the disk fills while a
generation streams, then frees before its end), "full-at-the-end" (still full when it ends) or
"fills-frees-then-killed" (full for 1.5 s mid-stream, freed, then the process is SIGKILLed).
Prints one JSON object with what the user would have been told and what was stored.
The mount lives only in this process's mount namespace and vanishes with it.
"""
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from genlib import GenerationRequest, GenlibError  # noqa: E402
from tests.vaults import make_vault  # noqa: E402


class _Endpoint:
    def __init__(self, base_url):
        self.base_url = base_url


def mount(point: Path, size: str, *options: str) -> None:
    point.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join((f"size={size}", *options)), "tmpfs", str(point)],
                   check=True)


def attempt(vault, prompt: str) -> dict:
    try:
        gen_id = vault.start(GenerationRequest(prompt, "gpt-4o-mini"), user_id="ana")
    except GenlibError as exc:
        return {"refused": type(exc).__name__, "message": str(exc)}
    return {"id": gen_id, "final": vault.wait(gen_id, timeout=30).status}


def fill(point: Path) -> Path:
    filler = point / "filler.bin"
    subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=1M"], capture_output=True)
    return filler


def fills_mid_stream(point: Path, endpoint, stays_full: bool) -> dict:
    """The disk fills 1 s into a 3 s stream; it frees before the end, or only after giving up."""
    import genlib.run.worker
    genlib.run.worker.FINAL_RETRY_S = (0.2, 0.2, 0.2)  # give up saving after ~0.6 s instead of ~15 s
    vault = make_vault(point / "data", endpoint, flush_interval_s=0.2)
    gen_id = vault.start(GenerationRequest("fills mid-stream", "gpt-4o-mini"), user_id="ana")
    time.sleep(1.0)
    filler = fill(point)
    time.sleep(0.8)
    out = {"id": gen_id, "while_full": vault.get(gen_id).status}
    if stays_full:
        out["final"] = vault.wait(gen_id, timeout=30).status
        gen = vault.get(gen_id)
        out.update(shown=gen.status, shown_error=gen.error, shown_text=gen.result_text)
    filler.unlink()
    out["after_freeing"] = vault.wait(gen_id, timeout=30).status
    vault.close()
    again = make_vault(point / "data", endpoint)
    row = again.get(gen_id)
    out.update(reopened=row.status, kept=row.result_text, error=row.error)
    again.close()
    return out


def fills_frees_then_killed(point: Path, endpoint) -> dict:
    """A process streams (crash_child.py, 200 ms flush); the disk is full from 0.8 s to 2.3 s; the
    process is SIGKILLed 0.5 s after the disk frees. The reopened row keeps what was committed."""
    crash_child = Path(__file__).with_name("crash_child.py")
    child = subprocess.Popen([sys.executable, str(crash_child), str(point / "data"), endpoint.base_url,
                              "fill-crash", "1"], stdout=subprocess.PIPE, text=True)
    gen_id = child.stdout.readline().strip().split("\t")[1]
    time.sleep(0.8)
    filler = fill(point)
    time.sleep(1.5)
    filler.unlink()
    time.sleep(0.5)
    child.kill()
    child.wait(10)
    vault = make_vault(point / "data", endpoint)
    row = vault.get(gen_id)
    out = {"id": gen_id, "reopened": row.status, "kept": row.result_text}
    vault.close()
    return out


def main() -> None:
    mode, point, endpoint = sys.argv[1], Path(sys.argv[2]), _Endpoint(sys.argv[3])
    if mode == "fills-frees-then-killed":
        mount(point, "64m")
        print(json.dumps(fills_frees_then_killed(point, endpoint)), flush=True)
        return
    if mode in ("fills-mid-stream", "full-at-the-end"):
        mount(point, "64m")
        print(json.dumps(fills_mid_stream(point, endpoint, mode == "full-at-the-end")), flush=True)
        return
    mount(point, "8m" if mode == "full" else "64m")
    if mode == "readonly-at-start":
        subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)
    try:
        vault = make_vault(point / "data", endpoint)
    except GenlibError as exc:
        print(json.dumps({"refused": type(exc).__name__, "message": str(exc)}), flush=True)
        return
    if mode == "readonly":  # a read-only bind over the data dir: new files fail with EROFS
        data = str(point / "data")
        subprocess.run(["mount", "--bind", data, data], check=True)
        subprocess.run(["mount", "-o", "remount,bind,ro", data], check=True)
    result = attempt(vault, f"{mode} attempt")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
