"""Bad input through the app (AppTest): a clear message, the prompt kept, nothing stored changes,
no traceback, and no file outside the data dir read or written."""
from __future__ import annotations

import pytest

from genlib import GenerationRequest
from tests.reliability.badinput import JUNK_IDS, MEGA_PROMPT, outside_canary, snapshot, unchanged
from tests.reliability.fileaudit import opened, watch_files, writes_outside

SUBMIT = "FormSubmitter:generate_form-Generate"
URLS = [  # (page script, query, words one of the warnings must contain, or None for "no warning needed")
    ("pages/history.py", {"page": "-5"}, "not a page number"),
    ("pages/history.py", {"page": "abc"}, "not a page number"),
    ("pages/history.py", {"page": "9" * 30}, "not a page number"),
    ("pages/history.py", {"status": "bogus", "kind": "<script>", "nonsense": "1"}, "Unknown status"),
    ("pages/history.py", {"from": "2026-12-31", "to": "2026-01-01"}, "inverted"),
    ("pages/history.py", {"from": "2026-13-45"}, "not a date"),
    ("pages/history.py", {"from": "0001-01-01"}, "outside"),
    ("pages/history.py", {"q": "z" * 10_240, "model": "'; DROP TABLE generations; --", "user": "../.."}, None),
    ("pages/costs.py", {"from": "2026-12-31", "to": "2026-01-01"}, "inverted"),
    ("pages/costs.py", {"from": "garbage", "to": "9999-12-31"}, "not a date"),
]


def submit(open_app, prompt: str):
    at = open_app()
    at.text_area(key="prompt").input(prompt)
    return at.button(key=SUBMIT).click().run()


@pytest.mark.parametrize("prompt, words", [("", "empty"), ("  \n\t ", "empty"), ("y" * 1_000_001, "limit")])
def test_refused_prompts_say_why_and_keep_the_text(open_app, app_vault, prompt, words):
    at = submit(open_app, prompt)
    assert not at.exception and words in at.error[0].value
    assert "id" not in at.query_params and at.text_area(key="prompt").value == prompt
    assert snapshot(app_vault) == {}


def test_a_1mb_prompt_with_nul_rtl_and_emoji_is_stored_exactly(open_app, app_vault):
    at = submit(open_app, MEGA_PROMPT)
    assert not at.exception and not at.error
    gen = app_vault.wait(at.query_params["id"], timeout=60)
    assert gen.prompt == MEGA_PROMPT and gen.status == "complete"
    at.run()
    assert not at.exception


def test_junk_ids_and_absurd_query_params_get_messages_and_change_nothing(open_app, app_vault, tmp_path):
    app_vault.wait(app_vault.start(GenerationRequest("kept as it is", "offline-demo"), "local"), timeout=20)
    before, canary = snapshot(app_vault), outside_canary(tmp_path)
    with watch_files() as events:
        for bad in JUNK_IDS + ["../outside/secret.txt", str(canary)]:
            if "\x00" in bad:
                continue  # a URL can't carry a raw NUL; the API test covers it
            for script, title in ((None, "Generation not found"), ("pages/image.py", "Image not found")):
                at = open_app(script, id=bad)
                assert not at.exception and not at.error and [t.value for t in at.title] == [title], (script, bad[:40])
        for script, query, words in URLS:
            at = open_app(script, **query)
            warnings = " ".join(w.value for w in at.warning)
            assert not at.exception and not at.error, (script, query)
            assert words is None or words in warnings, (query, warnings)
    unchanged(before, snapshot(app_vault))
    assert len(snapshot(app_vault)) == len(before)
    assert not opened(events, canary) and writes_outside(events, app_vault.data_dir) == []
