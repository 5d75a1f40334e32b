"""SIGKILL while an image is being saved: the paid picture is attached after the restart (or the row
says it was lost), and the usage the provider reported is kept and priced."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.fakeprovider import FakeProvider
from tests.vaults import make_vault

CHILD = Path(__file__).with_name("image_crash_child.py")


def crash_while_saving(data: Path, fake, when: str) -> str:
    child = subprocess.Popen([sys.executable, str(CHILD), str(data), fake.base_url, when],
                             stdout=subprocess.PIPE, text=True)
    try:
        gen_id = child.stdout.readline().strip()
        assert child.stdout.readline().strip() == "paused"
    finally:
        child.kill()  # SIGKILL
        child.wait(10)
    return gen_id


@pytest.mark.parametrize("when", ["after-file", "before-file"])
def test_sigkill_while_an_image_is_saved_keeps_its_cost_and_the_picture_written(tmp_path, when):
    data = tmp_path / "data"
    with FakeProvider() as fake:
        gen_id = crash_while_saving(data, fake, when)
        vault = make_vault(data, fake)
    try:
        gen = vault.get(gen_id)
        assert gen.status == "interrupted" and vault.interrupted_at_start == 1
        assert gen.error.startswith("The app stopped while this image was being saved")
        assert "received until then" not in gen.error
        assert gen.image_tokens and gen.cost_usd and not gen.usage_estimated  # what the provider billed
        assert gen.model_used and gen.response_id
        if when == "after-file":
            assert len(gen.images) == 1 and "attached" in gen.error
            with Image.open(vault.image_file(gen.images[0]["path"])) as picture:
                assert picture.size == (256, 256)
            assert vault.image_file(gen.images[0]["thumb"]).is_file()  # remade by the sweep
        else:
            assert gen.images == [] and "lost" in gen.error
    finally:
        vault.close()
