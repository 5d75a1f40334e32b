"""SIGKILL while identical requests follow one call in flight: after the restart each follower shows
what the original had received (it saved no text of its own) and says it followed another one,
never "the text received until then is kept" over nothing."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fakeprovider import FakeProvider
from tests.vaults import make_vault

CHILD = Path(__file__).with_name("follower_crash_child.py")
ANSWER = "".join(f"f{i:03d} " for i in range(400))


def crash_with_followers(data: Path, fake, wait_s: float) -> list[tuple[str, str]]:
    child = subprocess.Popen([sys.executable, str(CHILD), str(data), fake.base_url], stdout=subprocess.PIPE, text=True)
    try:
        started = [tuple(line.strip().split("\t")) for line in iter(child.stdout.readline, "started\n")]
        time.sleep(wait_s)
    finally:
        child.kill()
        child.wait(10)
    return started


@pytest.mark.parametrize("answering", [True, False])
def test_followers_of_a_crashed_generation_show_its_text_or_say_they_followed(tmp_path, answering):
    with FakeProvider() as fake:
        fake.enqueue(text=ANSWER, chunks=400, delay=0.01) if answering else fake.enqueue(hang=30.0, text="late")
        (_, original_id), (_, ana_follower), (_, bob_follower) = crash_with_followers(tmp_path / "data", fake, 1.5)
        assert fake.calls("chat") == 1
    vault = make_vault(tmp_path / "data")
    try:
        original = vault.get(original_id)
        assert original.status == "interrupted" and ANSWER.startswith(original.result_text)
        assert bool(original.result_text) == answering
        for follower_id in (ana_follower, bob_follower):
            gen = vault.get(follower_id)
            assert gen.status == "interrupted" and "following an identical one" in gen.error
            assert "received until then is kept" not in gen.error and gen.cost_usd == 0
            assert gen.result_text == original.result_text
            assert ("what that one had received" in gen.error) == answering
        assert vault.get(ana_follower).cached_from == original_id
        assert vault.get(bob_follower).cached_from == "shared-cache"  # another user's: no id of theirs
    finally:
        vault.close()


def test_the_page_of_a_crashed_follower_links_to_the_original_it_followed(tmp_path, open_app, monkeypatch):
    with FakeProvider() as fake:
        fake.enqueue(text=ANSWER, chunks=400, delay=0.01)
        (_, original_id), (_, follower_id), _ = crash_with_followers(tmp_path / "data", fake, 1.5)
    at = open_app(id=follower_id)  # single-user mode, on the crashed data dir (the sweep runs)
    assert not at.exception
    shown = " ".join(w.value for w in [*at.info, *at.warning])
    assert "Followed an identical request" in shown and "following an identical one" in shown
    assert "received until then is kept" not in shown
    assert any(link.label == "Open the original generation" for link in at.get("page_link"))
    assert any("f000" in h.value for h in at.get("html"))  # the original's text, rendered safely
