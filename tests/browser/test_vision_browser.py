"""Vision input in Chromium: an image uploaded on Generate is sent, shown as a thumbnail under the
prompt (loaded through the app's own attachment route) and previewed in History's Image column."""
from __future__ import annotations

import re
import shutil

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -r requirements-dev.txt)")
if shutil.which("chromium") is None:
    pytest.skip("Debian's chromium is not installed (make chromium)", allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

from tests.browser.helpers import GEN_URL, choose, goto, no_traceback, wait_finished, wait_idle  # noqa: E402
from tests.vision_helpers import picture  # noqa: E402

pytestmark = pytest.mark.browser
GRID = "[data-testid='stDataFrame']"
THUMB = "[data-testid='stMain'] img[src*='files/attachment/']"


def test_an_uploaded_image_is_sent_and_shown_on_the_generation_page_and_in_history(page, app, fake, tmp_path):
    path = tmp_path / "redsquare.png"
    path.write_bytes(picture((320, 240)))
    fake.enqueue(text="Vizcacha sees a red square.", chunks=2, delay=0.01)
    goto(page, app.at("/generate"))
    # the uploader states genlib's own limit, not Streamlit's 200 MB default
    expect(page.locator("[data-testid='stFileUploaderDropzone']")).to_contain_text("10MB per file")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
    expect(page.get_by_role("region", name=re.compile("^Images"))).to_contain_text("redsquare.png")
    wait_idle(page)
    page.get_by_label("Prompt", exact=True).fill("Vizcacha: what colour is this?")
    page.get_by_role("button", name="Generate").click()
    expect(page).to_have_url(re.compile(GEN_URL))
    wait_finished(page)

    sent = fake.requests[-1]["json"]["messages"][-1]["content"]
    assert [part["type"] for part in sent] == ["text", "image_url"]
    thumb = page.locator(THUMB)
    expect(thumb).to_have_count(1)
    expect(thumb).to_be_visible()
    for _ in range(100):  # the browser fetched it through the file route and decoded it
        if page.evaluate("(img) => img.complete && img.naturalWidth", thumb.element_handle()) == 320:
            break
        page.wait_for_timeout(100)
    assert page.evaluate("(img) => img.naturalWidth", thumb.element_handle()) == 320
    expect(page.locator("[data-testid='stMain']")).to_contain_text("320×240")

    goto(page, app.at("/history?q=vizcacha"))
    expect(page.locator(GRID).locator("[role='gridcell']", has_text="Vizcacha")).to_have_count(1)
    image_cells = page.locator(GRID).locator("[role='gridcell']").evaluate_all(
        "(cells) => cells.map(c => c.innerHTML).filter(h => h.includes('data:image/webp'))")
    assert len(image_cells) == 1, "History's Image column previews the attached image"
    no_traceback(page)


def test_a_file_that_is_not_an_image_and_a_model_without_vision_are_refused_with_a_message(page, app, fake,
                                                                                         tmp_path):
    fake_png = tmp_path / "notes.png"
    fake_png.write_text("just text, named .png")
    goto(page, app.at("/generate"))
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(fake_png))
    expect(page.get_by_role("region", name=re.compile("^Images"))).to_contain_text("notes.png")
    wait_idle(page)
    page.get_by_label("Prompt", exact=True).fill("Quolltrap: what is this?")
    page.get_by_role("button", name="Generate").click()
    expect(page.locator("[data-testid='stAlertContentError']")).to_contain_text(
        "“notes.png” is not a PNG, JPEG, WebP or GIF image.")
    assert "id=" not in page.url

    good = tmp_path / "ok.png"
    good.write_bytes(picture())
    page.get_by_role("button", name="Remove notes.png").click()
    wait_idle(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(good))
    expect(page.get_by_role("region", name=re.compile("^Images"))).to_contain_text("ok.png")
    wait_idle(page)
    choose(page, "Model", "fake-model")
    page.get_by_role("button", name="Generate").click()
    expect(page.locator("[data-testid='stAlertContentError']")).to_contain_text("fake-model does not accept images")
    assert "id=" not in page.url
    no_traceback(page)


def test_a_follow_up_can_attach_its_own_image(page, app, fake, tmp_path):
    path = tmp_path / "bluesquare.png"
    path.write_bytes(picture((200, 100), color=(0, 0, 255)))
    fake.enqueue(text="Ask me about a picture.", chunks=2, delay=0.01)
    fake.enqueue(text="A blue rectangle.", chunks=2, delay=0.01)
    goto(page, app.at("/generate"))
    page.get_by_label("Prompt", exact=True).fill("Numbat: I will show you something.")
    page.get_by_role("button", name="Generate").click()
    expect(page).to_have_url(re.compile(GEN_URL))
    wait_finished(page)
    first = page.url
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
    expect(page.get_by_role("region", name=re.compile("^Images"))).to_contain_text("bluesquare.png")
    page.get_by_label("Follow-up", exact=True).fill("What is this?")
    page.get_by_role("button", name="Continue").click()
    expect(page).not_to_have_url(first)
    wait_finished(page)
    assert fake.requests[-1]["json"]["messages"][-1]["content"][1]["type"] == "image_url"
    expect(page.locator(THUMB)).to_have_count(1)
    expect(page.locator("[data-testid='stMain']")).to_contain_text("200×100")
    no_traceback(page)
