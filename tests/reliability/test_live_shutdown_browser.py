"""SIGTERM while a browser follows a live generation: the live view's open event stream must not
hold the server up (uvicorn waits for open responses before it exits; ui/livestream.py ends them
when the stop signal arrives), and the text that had arrived is kept as for any stop."""
from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")

from tests.reliability.crashcheck import words  # noqa: E402
from tests.reliability.test_crash_app import env_for  # noqa: E402
from tests.vaults import make_vault  # noqa: E402

pytestmark = pytest.mark.browser
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def test_sigterm_with_a_live_viewer_stops_within_seconds(app_server, recording_fake, browser_page, tmp_path):
    recording_fake.script("follow me live", text=words("live", 1500), chunks=1500, delay=0.02)  # 30 s
    app = app_server(env_for(recording_fake))
    page = browser_page()
    page.goto(app.url + "/generate", wait_until="domcontentloaded")
    page.locator(IDLE).wait_for()
    page.get_by_label("Prompt", exact=True).fill("follow me live")
    page.get_by_role("button", name="Generate").click()
    # well into the stream (several of the app's 200 ms flushes), with the event stream open
    page.wait_for_function("() => (document.querySelector('.gv-live')?.innerText || '').length > 600")
    gen_id = page.url.rsplit("id=", 1)[1]
    moment, took = app.terminate(timeout=60)
    assert took < 5.0, f"SIGTERM took {took:.1f} s with a live viewer"  # as without one (test_crash_app)
    assert "Traceback" not in app.log_text()
    vault = make_vault(tmp_path / "data", recording_fake)
    try:
        gen = vault.get(gen_id)
        assert gen.status == "interrupted" and gen.result_text
    finally:
        vault.close()
