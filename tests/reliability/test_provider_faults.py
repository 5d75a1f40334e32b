"""Every provider fault ends in a stored status, a readable message, and the partial text kept.

Each fault comes from the loopback fake through the real openai SDK, while another user's
generation runs at the same time and must complete untouched. The same records are then drawn
by the app (AppTest): the message shows, the partial answer shows, and no traceback does.
"""
from __future__ import annotations

import pytest

from genlib import GenerationRequest
from tests.apptext import errors, unescaped
from tests.fakeprovider import FakeProvider
from tests.reliability.recording import RecordingFake
from tests.vaults import make_vault

TEXT = "alpha beta gamma delta epsilon zeta eta theta"
STREAM = dict(text=TEXT, chunks=8, delay=0.01)
# name: (behaviour, status, phrase in the stored message, partial text kept)
FAULTS = {
    "401 bad key": ({"status": 401}, "error", "rejected the API key (401)", False),
    "403 forbidden": ({"status": 403, "message": "Project lacks access"}, "error", "Permission denied (403)", False),
    "404 unknown model": ({"status": 404}, "error", "Model not found (404)", False),
    "429 retry-after": ({"status": 429, "retry_after": 7}, "error", "Try again in 7 s", False),
    "500 server error": ({"status": 500}, "error", "The provider had an error (500)", False),
    "timeout, no first token": ({"hang": 5.0}, "error", "Timed out after 1 s", False),
    "stall mid-stream": ({**STREAM, "stall_after": 3, "stall_s": 5.0}, "error", "Timed out after 1 s", True),
    "dropped after 3 tokens": ({**STREAM, "drop_after": 3}, "error", "connection dropped mid-stream", True),
    "SSE error event": ({**STREAM, "sse_error_after": 3, "message": "Overloaded"}, "error",
                        "reported an error mid-stream: Overloaded", True),
    "malformed chunk": ({**STREAM, "malformed_after": 3}, "error", "malformed", True),
    "no usage chunk": ({**STREAM, "usage": False}, "complete", None, True),
    "[DONE] without finish_reason": ({**STREAM, "finish_reason": None, "usage": False}, "complete", None, True),
    "usage-only stream": ({"usage_only": True}, "complete", None, False),
    "byte drip mid-stream": ({**STREAM, "drip_after": 3, "drip_ms": 20}, "error",
                             "Timed out after 1 s waiting for the next chunk", True),
    "200 with a JSON error": ({"ok_body": {"error": {"message": "Your credit balance is too low"}}}, "error",
                              "The provider answered with an error: Your credit balance is too low.", False),
    "200 with a web page": ({"html": True}, "error", "answered with a web page, not an API response", False),
}


def run_with_neighbour(vault, fake: RecordingFake, behaviour: dict):
    """The faulty generation (ana) and a healthy one (ben) at once; returns both final records."""
    fake.script("faulty request", **behaviour)
    fake.script("healthy neighbour", text="all good here", chunks=3, delay=0.01)
    faulty = vault.start(GenerationRequest("faulty request", "gpt-4o-mini"), user_id="ana")
    healthy = vault.start(GenerationRequest("healthy neighbour", "gpt-4o-mini"), user_id="ben")
    neighbour = vault.wait(healthy, timeout=10)  # served while the fault is still in progress
    return vault.wait(faulty, timeout=20), neighbour


@pytest.mark.parametrize("name", list(FAULTS))
def test_provider_fault_is_stored_readably_and_others_are_served(name, tmp_path, open_app):
    behaviour, status, phrase, partial = FAULTS[name]
    with RecordingFake() as fake:
        vault = make_vault(tmp_path / "data", fake, request_timeout_s=1.0, api_key="sk-reliability-KEY123456")
        try:
            gen, neighbour = run_with_neighbour(vault, fake, behaviour)
        finally:
            vault.close()
    assert neighbour.status == "complete" and neighbour.result_text == "all good here"
    assert gen.status == status and gen.finished_utc is not None
    if phrase:
        assert phrase in gen.error and "KEY123456" not in gen.error
    assert TEXT.startswith(gen.result_text) and bool(gen.result_text) == partial
    if partial and status == "error":
        assert gen.result_text != TEXT
    if gen.result_text:  # text arrived, so tokens were billed: estimated and flagged, never $0
        assert gen.usage_estimated and gen.output_tokens > 0 and gen.cost_usd > 0
    at = open_app(id=gen.id)  # what the user sees
    assert not at.exception
    shown = " ".join([m.value for m in [*at.markdown, *at.html]] + [unescaped(c.value) for c in at.caption])
    assert gen.result_text.split()[0] in shown if gen.result_text else "No text was received." in shown
    if status == "error":
        assert errors(at) == [gen.error]
        assert at.button(key="retry").label == "Retry"
    if gen.usage_estimated:
        assert "(estimated)" in " ".join(c.value for c in at.caption)


def test_connection_refused_is_stored_and_pages_keep_working(tmp_path, open_app):
    with FakeProvider() as gone:
        dead_url = gone.base_url  # closed once the server stops
    vault = make_vault(tmp_path / "data", gone, request_timeout_s=2.0)
    try:
        gen = vault.wait(vault.start(GenerationRequest("nobody home", "gpt-4o-mini"), "ana"), timeout=10)
    finally:
        vault.close()
    assert gen.status == "error" and gen.error == f"Could not connect to {dead_url.split('/')[2]}."
    assert gen.result_text == "" and not gen.usage_estimated and gen.cost_usd is None
    at = open_app(id=gen.id)
    assert not at.exception and errors(at) == [gen.error]
    assert not open_app("pages/history.py").exception


def test_a_storm_of_faults_at_once_leaves_every_row_ended(tmp_path):
    """All the faults above at the same time, plus eight healthy users: nothing stays live."""
    with RecordingFake() as fake:
        vault = make_vault(tmp_path / "data", fake, request_timeout_s=1.0)
        try:
            ids = {}
            for name, (behaviour, *_) in FAULTS.items():
                fake.script(f"storm {name}", **behaviour)
                ids[name] = vault.start(GenerationRequest(f"storm {name}", "gpt-4o-mini"), user_id="ana")
            healthy = [vault.start(GenerationRequest(f"fine {i}", "gpt-4o-mini"), user_id=f"u{i}") for i in range(8)]
            finals = {name: vault.wait(gen_id, timeout=30) for name, gen_id in ids.items()}
            assert all(vault.wait(h, timeout=30).status == "complete" for h in healthy)
            for name, gen in finals.items():
                assert gen.status == FAULTS[name][1], name
                assert vault.store.get(gen.id).status == gen.status  # stored, not just in memory
        finally:
            vault.close()
