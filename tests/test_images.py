"""Images become files under the data dir at once; paths read back never escape it."""
from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from genlib import GenerationRequest, NotFound
from tests.fakeprovider import FakeProvider
from tests.vaults import make_vault


@pytest.fixture
def vault(tmp_path):
    with FakeProvider() as fake:
        v = make_vault(tmp_path / "data", fake)
        yield v
        v.close()


def test_image_generation_saves_png_and_thumbnail_with_relative_paths(vault, tmp_path):
    req = GenerationRequest("a red square", "gpt-image-1", kind="image", params={"size": "256x256", "n": 2})
    gen = vault.wait(vault.start(req, user_id="ana"), timeout=10)
    assert gen.status == "complete" and len(gen.images) == 2
    for image in gen.images:
        assert not image["path"].startswith("/") and image["path"].startswith("images/")
        path = vault.image_file(image["path"])
        assert path.is_relative_to((tmp_path / "data").resolve())
        assert Image.open(path).size == (256, 256)
        assert max(Image.open(vault.image_file(image["thumb"])).size) <= 256
    assert "b64" not in (gen.images_json or "") and len(gen.images_json) < 1000
    assert gen.cost_usd is not None and gen.image_tokens > 0


def test_offline_image_model_makes_a_real_image(tmp_path):
    v = make_vault(tmp_path / "data")
    try:
        req = GenerationRequest("a lighthouse", "offline-demo-image", kind="image", params={"size": "512x512"})
        gen = v.wait(v.start(req, user_id="ana"), timeout=30)
        assert gen.status == "complete" and gen.cost_usd == 0
        assert Image.open(io.BytesIO(v.images.read(gen.images[0]["path"]))).size == (512, 512)
    finally:
        v.close()


@pytest.mark.parametrize("path", ["../genvault.duckdb", "/etc/passwd", "images/../../x", "", "images/\x00"])
def test_paths_outside_the_images_dir_are_refused(vault, path):
    with pytest.raises(NotFound):
        vault.image_file(path)


def test_missing_image_file_is_reported_not_crashed(vault):
    req = GenerationRequest("to be deleted", "gpt-image-1", kind="image")
    gen = vault.wait(vault.start(req, user_id="ana"), timeout=10)
    vault.image_file(gen.images[0]["path"]).unlink()
    with pytest.raises(NotFound, match="missing"):
        vault.images.read(gen.images[0]["path"])
    assert vault.get(gen.id).status == "complete"
    assert json.loads(vault.get(gen.id).images_json)[0]["path"] == gen.images[0]["path"]
