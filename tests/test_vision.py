"""Vision input, pure parts: attachment checks by magic bytes, content addresses, capability list, token estimate."""
from __future__ import annotations

import hashlib

import pytest

from genlib import BadRequest, GenerationRequest
from genlib.dedup import dedup_key
from genlib.validate import check_request
from genlib.vision import (MAX_ATTACHMENTS, accepts_images, attachment_key, check_vision, from_bytes, from_data_url,
                           image_tokens)
from tests.vision_helpers import picture


@pytest.mark.parametrize("fmt, mime", [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp"),
                                       ("GIF", "image/gif")])
def test_each_accepted_format_is_recognised_by_its_bytes_and_named_by_sha256(fmt, mime):
    data = picture((40, 30), fmt=fmt)
    att = from_bytes(data)
    assert (att.mime, att.width, att.height, att.size) == (mime, 40, 30, len(data))
    assert att.sha256 == hashlib.sha256(data).hexdigest()
    assert att.meta() == {"sha256": att.sha256, "mime": mime, "bytes": len(data), "width": 40, "height": 30}
    assert from_data_url(att.data_url()) == att


@pytest.mark.parametrize("data, said", [(b"", "empty"), (b"GIF89a-not-really-a-gif", "could not be read"),
                                        (b"%PDF-1.7 hello", "not a PNG, JPEG, WebP or GIF"),
                                        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a PNG")])
def test_bad_files_are_refused_with_a_clear_message(data, said):
    with pytest.raises(BadRequest, match=said):
        from_bytes(data, "cat.png")


def test_a_file_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr("genlib.vision.attachments.MAX_ATTACHMENT_BYTES", 100)
    with pytest.raises(BadRequest, match="the limit is"):
        from_bytes(picture((200, 200), fmt="PNG") + b"\0" * 200)


def test_too_many_attachments_are_refused():
    att = from_bytes(picture())
    with pytest.raises(BadRequest, match=f"at most {MAX_ATTACHMENTS}"):
        check_request(GenerationRequest("look", "gpt-4o-mini", attachments=(att,) * (MAX_ATTACHMENTS + 1)))


@pytest.mark.parametrize("name", ["../etc/passwd", "ABCDEF" * 11, "a" * 63, "", None])
def test_only_a_sha256_becomes_a_storage_key(name):
    with pytest.raises(ValueError):
        attachment_key(name)
    assert attachment_key("ab" * 32) == f"attachments/ab/{'ab' * 32}"


@pytest.mark.parametrize("model, yes", [("gpt-4o-mini", True), ("gpt-4.1", True), ("o3-mini", False),
                                        ("gpt-3.5-turbo", False), ("offline-demo", True), ("llama3", False)])
def test_the_capability_list(model, yes):
    assert accepts_images(model) is yes


def test_more_models_can_be_declared_by_name_or_prefix():
    assert accepts_images("llava:13b", ("llava*",)) and accepts_images("qwen-vl", ("qwen-vl",))
    assert not accepts_images("qwen-vl-2", ("qwen-vl",))


def test_refusals_say_what_to_do():
    with pytest.raises(BadRequest, match="does not accept images.*GENLIB_VISION_MODELS"):
        check_vision("gpt-3.5-turbo", "text", 1)
    with pytest.raises(BadRequest, match="not to image generation"):
        check_vision("gpt-image-1", "image", 1)
    check_vision("gpt-3.5-turbo", "text", 0)  # nothing attached: nothing to refuse


@pytest.mark.parametrize("size, tokens", [((512, 512), 255), ((1024, 1024), 765), ((2048, 4096), 1105),
                                          ((64, 48), 255), ((4000, 1000), 85 + 170 * 4)])
def test_image_tokens_follow_openais_tile_formula(size, tokens):
    assert image_tokens(*size) == tokens


def test_attachments_are_part_of_the_dedup_key_and_sent_as_image_url_parts():
    red, blue = from_bytes(picture(color=(255, 0, 0))), from_bytes(picture(color=(0, 0, 255)))
    plain = GenerationRequest("what is this?", "gpt-4o-mini")
    with_red = GenerationRequest("what is this?", "gpt-4o-mini", attachments=(red,))
    keys = {dedup_key(r, "h") for r in (plain, with_red, GenerationRequest("what is this?", "gpt-4o-mini",
                                                                           attachments=(blue,)))}
    assert len(keys) == 3
    assert dedup_key(with_red, "h") == dedup_key(GenerationRequest("what is this?", "gpt-4o-mini",
                                                                   attachments=(from_bytes(red.data),)), "h")
    sent = with_red.sent_messages()[-1]["content"]
    assert sent[0] == {"type": "text", "text": "what is this?"}
    assert sent[1]["type"] == "image_url" and sent[1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert with_red.messages()[-1] == {"role": "user", "content": "what is this?"}  # the record keeps no bytes
