"""AppTest: attached images on the generation page (thumbnails on the app's own route), in History's
Image column, carried over by Regenerate; the Generate form offers the uploader for text only."""
from __future__ import annotations

from genlib import GenerationRequest, attachment_from_bytes
from tests.test_app_history import HISTORY, table
from tests.vision_helpers import picture


def seeded(app_vault, *colors):
    atts = tuple(attachment_from_bytes(picture((100, 50), color=c)) for c in colors)
    gen_id = app_vault.start(GenerationRequest("what is this?", "offline-demo", attachments=atts), "local")
    return app_vault.wait(gen_id, timeout=20), atts


def test_the_generation_page_shows_each_attachment_through_the_file_route(open_app, app_vault):
    gen, atts = seeded(app_vault, (255, 0, 0), (0, 255, 0))
    at = open_app(id=gen.id)
    shown = "\n".join(m.value for m in at.markdown)
    for att in atts:
        assert f"(files/attachment/{gen.id}/{att.sha256})" in shown
    assert sum("100×50" in c.value for c in at.caption) == 2
    details = dict(at.dataframe[0].value.values)
    assert details["Attached image 2"] == f"image/png 100×50, sha256 {atts[1].sha256}"
    assert "I see 2 images" in gen.result_text


def test_history_previews_the_first_attachment_and_regenerate_sends_it_again(open_app, app_vault):
    gen, atts = seeded(app_vault, (0, 0, 255))
    assert table(open_app(HISTORY))["Image"][0].startswith("data:image/webp;base64,")
    at = open_app(id=gen.id)
    at.button(key="regenerate").click().run()
    fresh = app_vault.wait(at.query_params["id"], timeout=20)
    assert fresh.id != gen.id and fresh.attachments == gen.attachments


def test_the_uploader_is_offered_for_text_prompts_only(open_app):
    at = open_app()
    assert len(at.get("file_uploader")) == 1
    at.radio(key="output").set_value("Image").run()
    assert len(at.get("file_uploader")) == 0
