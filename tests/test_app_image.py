"""AppTest: image generations — shown from the saved file, `/image?id=` alone, broken files reported.

Pictures and downloads point at the app's own file routes (ui/routes.py), never at Streamlit's
`/media` (st.image(bytes) / st.download_button), whose URLs answer anyone holding them.
"""
from __future__ import annotations

from genlib import GenerationRequest

IMAGE = "pages/image.py"


def pictures(at) -> list[str]:
    """The Markdown of each picture drawn: `![caption](files/image/<id>/<n>)`."""
    return [m.value for m in at.markdown if m.value.startswith("![")]


def link_buttons(at) -> dict[str, str]:
    return {b.proto.label: b.proto.url for b in at.get("link_button")}


def draw(vault, prompt="a red fox in the snow"):
    request = GenerationRequest(prompt, "offline-demo-image", kind="image", params={"size": "256x256"})
    return vault.wait(vault.start(request, "local"), timeout=30)


def test_image_form_submit_shows_the_saved_picture(open_app, app_vault):
    at = open_app()
    at.radio(key="output").set_value("Image").run()
    assert at.selectbox(key="model_image").value == "offline-demo-image"
    assert {s.label for s in at.selectbox} >= {"Image size", "Image quality"}
    at.text_area(key="prompt").input("a lighthouse at dusk")
    at.button(key="FormSubmitter:generate_form-Generate").click().run()
    gen = app_vault.wait(at.query_params["id"], timeout=30)
    assert gen.kind == "image" and gen.images
    at.run()
    meta = gen.images[0]
    assert pictures(at) == [f"![{meta['width']}×{meta['height']}](files/image/{gen.id}/0)"]
    assert not at.image and not at.get("download_button")  # nothing on Streamlit's /media
    assert link_buttons(at)["Download record (JSON)"] == f"files/record/{gen.id}.json"
    assert link_buttons(at)["Download image"] == f"files/image/{gen.id}/0?download=1"  # on its own page too
    assert any(link.label == "Open the image alone" for link in at.get("page_link"))
    fields = list(at.dataframe[0].value["Field"])
    assert "Duration" in fields and "Time to first token" not in fields  # an image has no tokens streaming
    assert "Download answer" not in link_buttons(at)


def test_image_page_shows_the_picture_alone_with_a_download_link(open_app, app_vault):
    gen = draw(app_vault)
    at = open_app(IMAGE, id=gen.id)
    assert not at.exception and not at.error
    assert pictures(at) == [f"![Image 1](files/image/{gen.id}/0)"]
    assert not at.image and not at.get("download_button")
    assert link_buttons(at) == {"Download image": f"files/image/{gen.id}/0?download=1"}
    assert any(link.label == "Open the full generation" for link in at.get("page_link"))


def test_missing_or_corrupt_image_file_is_reported_and_the_record_still_shows(open_app, app_vault):
    gen = draw(app_vault)
    path = app_vault.image_file(gen.images[0]["path"])
    path.write_bytes(b"not a png at all")
    at = open_app(id=gen.id)
    assert not at.exception
    assert any("corrupt" in w.value for w in at.warning)
    assert dict(at.dataframe[0].value.values)["Id"] == gen.id  # the rest of the record is there
    path.unlink()
    at = open_app(IMAGE, id=gen.id)
    assert any("missing" in e.value for e in at.error)


def test_image_page_not_found_and_text_generations(open_app, app_vault):
    at = open_app(IMAGE, id="../../../etc/passwd")
    assert [t.value for t in at.title] == ["Image not found"] and not at.error
    text = app_vault.wait(app_vault.start(GenerationRequest("words", "offline-demo"), "local"), timeout=20)
    at = open_app(IMAGE, id=text.id)
    assert "text, not an image" in at.warning[0].value
