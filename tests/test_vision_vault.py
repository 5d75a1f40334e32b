"""Vision input through the Vault and the real openai SDK against the loopback FakeProvider:
the image_url part arrives, the record keeps only metadata, dedup, refusal, pricing, exports, CLI."""
from __future__ import annotations

import json

import pytest

from genlib import BadRequest, GenerationRequest, NotFound
from genlib.cli import main as cli_main
from genlib.vision import from_bytes, image_tokens
from tests.vaults import make_vault
from tests.vision_helpers import picture


def ask(*images, model="gpt-4o-mini", prompt="what is in this picture?"):
    return GenerationRequest(prompt, model, attachments=tuple(from_bytes(i) for i in images))


def test_the_image_arrives_as_an_image_url_part_and_the_record_keeps_its_address(vault, fake):
    data = picture((800, 600))
    gen = vault.wait(vault.start(ask(data), user_id="ana"), timeout=10)
    content = fake.requests[-1]["json"]["messages"][-1]["content"]
    assert content[0] == {"type": "text", "text": "what is in this picture?"}
    att = from_bytes(data)
    assert content[1] == {"type": "image_url", "image_url": {"url": att.data_url()}}
    assert gen.status == "complete" and gen.attachments == [att.meta()]
    assert "base64" not in (gen.messages_json or "") and "base64" not in gen.attachments_json
    assert vault.attachment_bytes(gen, att.sha256) == data
    with pytest.raises(NotFound):
        vault.attachment_bytes(gen, from_bytes(picture(color=(1, 2, 3))).sha256)  # not one of gen's


def test_same_prompt_and_image_is_a_hit_a_different_image_is_a_miss(vault, fake):
    first = vault.wait(vault.start(ask(picture()), user_id="ana"), timeout=10)
    hit = vault.wait(vault.start(ask(picture()), user_id="ana"), timeout=10)
    miss = vault.wait(vault.start(ask(picture(color=(0, 0, 255))), user_id="ana"), timeout=10)
    plain = vault.wait(vault.start(GenerationRequest("what is in this picture?", "gpt-4o-mini"), user_id="ana"), 10)
    assert hit.cached_from == first.id and hit.attachments == first.attachments
    assert miss.cached_from is None and plain.cached_from is None and fake.calls("chat") == 3


def test_a_model_without_vision_is_refused_before_any_call_or_row(vault, fake):
    with pytest.raises(BadRequest, match="does not accept images"):
        vault.start(ask(picture(), model="gpt-3.5-turbo"), user_id="ana")
    assert fake.calls("chat") == 0 and vault.search().total == 0


def test_vision_models_can_be_added_by_setting(tmp_path, fake):
    v = make_vault(tmp_path / "d2", fake, vision_models=("fake-*",))
    try:
        gen = v.wait(v.start(ask(picture(), model="fake-model"), user_id="ana"), timeout=10)
        assert gen.status == "complete" and len(gen.attachments) == 1
    finally:
        v.close()


def test_images_are_priced_in_the_estimate_and_when_usage_is_missing(vault, fake):
    data = picture((1024, 1024))
    low_plain, _ = vault.estimate_cost(GenerationRequest("what is in this picture?", "gpt-4o-mini"))
    low_image, _ = vault.estimate_cost(ask(data))
    assert low_image > low_plain
    fake.enqueue(text="a red square", usage=False)
    gen = vault.wait(vault.start(ask(data), user_id="ana"), timeout=10)
    assert gen.usage_estimated and gen.input_tokens >= image_tokens(1024, 1024)


def test_regenerate_sends_the_same_images_again(vault, fake):
    gen = vault.wait(vault.start(ask(picture()), user_id="ana"), timeout=10)
    again = vault.wait(vault.start(vault.regenerate_request(gen), user_id="ana", force=True), timeout=10)
    assert again.attachments == gen.attachments and fake.calls("chat") == 2
    assert fake.requests[-1]["json"]["messages"][-1]["content"][1]["type"] == "image_url"


def test_exports_list_the_attachments_without_bytes(vault, fake, tmp_path):
    fake.enqueue(text="a red square")  # by default the fake echoes the request (data: URL included)
    gen = vault.wait(vault.start(ask(picture()), user_id="ana"), timeout=10)
    lines = vault.export(tmp_path / "out.jsonl", "jsonl").read_text().splitlines()
    row = json.loads(lines[0])
    assert row["attachments_json"] == gen.attachments and "base64" not in lines[0]
    assert gen.attachments[0]["sha256"] in vault.export(tmp_path / "out.csv", "csv").read_text()


def test_the_offline_demo_model_says_it_sees_the_images(tmp_path):
    v = make_vault(tmp_path / "off")
    try:
        gen = v.wait(v.start(ask(picture((640, 480)), picture(fmt="JPEG"), model="offline-demo"), user_id="ana"), 20)
        assert "I see 2 images:** a 640x480 PNG, a 64x48 JPEG" in gen.result_text
        assert gen.input_tokens > image_tokens(640, 480) + image_tokens(64, 48)
    finally:
        v.close()


def test_cli_generate_with_image(tmp_path, fake, capsys, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    path = tmp_path / "cat.png"
    path.write_bytes(picture())
    assert cli_main(["generate", "--model", "gpt-4o-mini", "--attach", str(path), "what is this?"]) == 0
    assert fake.requests[-1]["json"]["messages"][-1]["content"][1]["type"] == "image_url"
    (tmp_path / "notes.txt").write_text("hello")
    assert cli_main(["generate", "--model", "gpt-4o-mini", "-a", str(tmp_path / "notes.txt"), "x"]) != 0
    assert "not a PNG, JPEG, WebP or GIF" in capsys.readouterr().err


def test_image_generation_takes_no_attachments_and_cli_paths_are_checked(vault, fake, tmp_path, capsys):
    request = GenerationRequest("a cat", "gpt-image-1", kind="image", attachments=(from_bytes(picture()),))
    with pytest.raises(BadRequest, match="text prompts only"):
        vault.start(request, user_id="ana")
    assert fake.calls("images") == 0
    assert cli_main(["generate", "-m", "gpt-4o-mini", "-a", str(tmp_path / "missing.png"), "x"]) != 0
    assert "is not a file" in capsys.readouterr().err
