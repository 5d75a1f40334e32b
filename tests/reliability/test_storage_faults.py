"""Storage faults: a read-only or full data dir refuses before the provider is called; a disk
that fills mid-stream loses nothing it can help; a held database is named; a broken image file is
reported while the rest of the record shows.

Real faults come from a tmpfs mounted in a private mount namespace (`unshare -m`, so nothing
leaks to the host; tests skip where that isn't allowed); the UI and CLI messages are checked with
the free-space probe patched at the OS boundary (`shutil.disk_usage`).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from genlib import GenerationRequest, StorageUnavailable
from genlib.cli import main as cli_main
from tests.apptext import errors
from tests.reliability.crashcheck import words
from tests.vaults import make_vault

CHILD = Path(__file__).with_name("storage_child.py")
ROOT = Path(__file__).resolve().parents[2]


def _can_mount() -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"], capture_output=True)
    return probe.returncode == 0


needs_mount = pytest.mark.skipif(not _can_mount(), reason="needs root and `unshare -m` to mount a tmpfs")


def in_namespace(mode: str, tmp_path: Path, fake) -> dict:
    out = subprocess.run(["unshare", "-m", sys.executable, str(CHILD), mode, str(tmp_path / "mnt"), fake.base_url],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip(), out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@needs_mount
@pytest.mark.parametrize("mode, words_", [
    ("readonly", "can't be written (Read-only file system): nothing was sent to the provider"),
    ("readonly-at-start", "Read-only file system"),
    ("full", "is nearly full"),
])
def test_a_readonly_or_full_data_dir_refuses_before_the_provider_call(mode, words_, tmp_path, recording_fake):
    result = in_namespace(mode, tmp_path, recording_fake)
    assert result["refused"] == "StorageUnavailable" and words_ in result["message"]
    assert recording_fake.calls("chat") == 0


@needs_mount
def test_a_disk_that_fills_and_frees_mid_stream_loses_nothing(tmp_path, recording_fake):
    recording_fake.script("fills mid-stream", text=words("f", 300), chunks=300, delay=0.01)
    result = in_namespace("fills-mid-stream", tmp_path, recording_fake)
    assert result["while_full"] == "streaming" and result["after_freeing"] == "complete"
    assert result["reopened"] == "complete" and result["kept"] == words("f", 300)


@needs_mount
def test_a_full_disk_that_frees_then_a_sigkill_keeps_an_exact_prefix(tmp_path, recording_fake):
    """Flushes that failed while the disk was full are retried once it frees: no hole in the text."""
    # 200-character pieces: each flush writes ~4 KB, more than the WAL's last page has spare
    answer = "".join(f"h{j:04d}{'.' * 193} " for j in range(600))
    recording_fake.script("fill-crash-00", text=answer, chunks=600, delay=0.01)
    result = in_namespace("fills-frees-then-killed", tmp_path, recording_fake)
    assert result["reopened"] == "interrupted" and answer.startswith(result["kept"])
    sent = recording_fake.sent("fill-crash-00")
    assert len(result["kept"]) > len(sent) // 2, "text received after the disk freed up was saved"


@needs_mount
def test_a_disk_still_full_at_the_end_shows_an_error_not_an_endless_stream(tmp_path, recording_fake):
    recording_fake.script("fills mid-stream", text=words("f", 300), chunks=300, delay=0.01)
    result = in_namespace("full-at-the-end", tmp_path, recording_fake)
    assert result["final"] == "error" and "could not be saved" in result["shown_error"]
    assert "No space left on device" in result["shown_error"] and result["shown_text"] == words("f", 300)
    assert result["reopened"] == "interrupted" and words("f", 300).startswith(result["kept"])
    assert len(result["kept"]) >= len(words("f", 60))  # what was saved before the disk filled


def nearly_full(monkeypatch) -> None:
    usage = shutil.disk_usage("/")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage._replace(free=10 * 1024 * 1024))


def test_a_full_disk_is_refused_in_the_form_the_cli_and_the_api(open_app, app_vault, monkeypatch, fake, tmp_path,
                                                                 capsys):
    nearly_full(monkeypatch)
    at = open_app()
    at.text_area(key="prompt").input("please save me")
    at.button(key="FormSubmitter:generate_form-Generate").click().run()
    assert not at.exception and "id" not in at.query_params
    assert "Nothing was generated" in errors(at)[0] and "nearly full (10 MB free)" in errors(at)[0]
    assert at.text_area(key="prompt").value == "please save me"
    app_vault.close()
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-storage-000000")
    assert cli_main(["generate", "please save me"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("genlib: The disk holding") and "nothing was sent" in err
    vault = make_vault(tmp_path / "data", fake)
    try:
        with pytest.raises(StorageUnavailable, match="nearly full"):
            vault.start(GenerationRequest("please save me", "gpt-4o-mini"), "ana")
    finally:
        vault.close()
    assert fake.calls("chat") == 0


def test_a_database_held_by_another_process_is_named_everywhere(open_app, tmp_path, fake):
    data = tmp_path / "data"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from genlib import Vault; Vault(); "
                               "print('ready', flush=True); time.sleep(60)"],
                              cwd=ROOT, env={**os.environ, "GENLIB_DATA_DIR": str(data)}, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StorageUnavailable, match=f"in use by process {holder.pid}"):
            make_vault(data, fake)
        for script in (None, "pages/history.py", "pages/costs.py"):
            at = open_app(script, id="A" * 21) if script is None else open_app(script)
            assert not at.exception and f"in use by process {holder.pid}" in at.error[0].value
    finally:
        holder.kill()
        holder.wait()


def test_corrupt_or_missing_image_files_are_reported_and_the_record_still_shows(open_app, app_vault):
    request = GenerationRequest("a red fox", "offline-demo-image", kind="image", params={"size": "256x256"})
    gen = app_vault.wait(app_vault.start(request, "local"), timeout=30)
    picture, thumb = (app_vault.image_file(gen.images[0][k]) for k in ("path", "thumb"))
    for damage, words_ in ((lambda p: p.write_bytes(b"\x89PNG garbage"), "corrupt"), (Path.unlink, "missing")):
        damage(picture)
        damage(thumb)
        at = open_app(id=gen.id)
        assert not at.exception and any(words_ in w.value for w in at.warning)
        assert dict(at.dataframe[0].value.values)["Id"] == gen.id and at.markdown  # the rest shows
        at = open_app("pages/image.py", id=gen.id)
        assert not at.exception and any(words_ in e.value for e in at.error)
        at = open_app("pages/history.py")
        assert not at.exception and list(at.dataframe[0].value["Prompt"]) == ["a red fox"]
