"""Bad input through the Python API: refused with a clear message, nothing stored changes, no file
outside the data dir is touched; odd but valid text (NUL, RTL, emoji, 1 MB) is kept exactly."""
from __future__ import annotations

import pytest

from genlib import BadRequest, Filters, GenerationRequest, NotFound
from tests.reliability.badinput import (
    JUNK_IDS, MEGA_PROMPT, ODD_TEXT, outside_canary, snapshot, traversal_paths, unchanged)
from tests.reliability.fileaudit import opened, watch_files, writes_outside

REFUSED = [  # (request keyword arguments, user, words the message must contain)
    (dict(prompt=""), "ana", "empty"),
    (dict(prompt=" \n\t "), "ana", "empty"),
    (dict(prompt="y" * 1_000_001), "ana", "limit"),
    (dict(prompt="lone \ud800 surrogate"), "ana", "invalid Unicode"),
    (dict(prompt="ok", system_prompt="bad \udfff"), "ana", "invalid Unicode"),
    (dict(prompt="ok", model="gpt\udcff"), "ana", "invalid Unicode"),
    (dict(prompt="ok", model=""), "ana", "Choose a model"),
    (dict(prompt="ok", kind="video"), "ana", "Unknown output kind"),
    (dict(prompt="ok", params={"temperature": "hot"}), "ana", "must be a number"),
    (dict(prompt="ok", params={"temperature": 9}), "ana", "between"),
    (dict(prompt="ok", params={"max_tokens": 1.5}), "ana", "whole number"),
    (dict(prompt="ok", params={"size": "../../etc"}), "ana", "must be one of"),
    (dict(prompt="ok", params={"api_key": "x"}), "ana", "Unknown parameter"),
    (dict(prompt="ok", history=({"role": "user", "content": 42},)), "ana", "must be text"),
    (dict(prompt="ok"), "  ", "user id"),
    (dict(prompt="ok"), "a\udcffb", "user id contains invalid Unicode"),  # undecodable GENLIB_USER
]


def request(**kwargs) -> GenerationRequest:
    return GenerationRequest(**{"model": "gpt-4o-mini", **kwargs})


def test_bad_requests_are_refused_before_anything_is_stored_or_sent(vault, fake, tmp_path):
    vault.wait(vault.start(request(prompt="an existing row"), "ana"), timeout=10)
    before, calls, canary = snapshot(vault), fake.calls("chat"), outside_canary(tmp_path)
    with watch_files() as events:
        for kwargs, user, words in REFUSED:
            with pytest.raises(BadRequest, match=words):
                vault.start(request(**kwargs), user)
        for gen_id in JUNK_IDS + [None, 42]:
            assert vault.get(gen_id) is None and vault.thread(gen_id) == []
            assert not vault.cancel(gen_id) if isinstance(gen_id, str) else True
            with pytest.raises(NotFound):
                list(vault.follow(gen_id))
        for relpath in traversal_paths(canary):
            with pytest.raises(NotFound):
                vault.image_file(relpath)
    assert fake.calls("chat") == calls
    unchanged(before, snapshot(vault))
    assert len(snapshot(vault)) == len(before)
    assert not opened(events, canary) and writes_outside(events, vault.data_dir) == []


def test_absurd_paging_and_filters_are_clamped_or_reported(vault):
    vault.wait(vault.start(request(prompt="page me"), "ana"), timeout=10)
    for page, size in ((-5, 50), (10**12, 10**12), ("abc", "xyz"), (None, -1), (1.5, 0)):
        result = vault.search(Filters(), page, size)
        assert 1 <= result.page <= 1_000_000 and 1 <= result.page_size <= 500
    filters, problems = Filters.from_query({"from": "2026-12-31", "to": "2026-01-01", "status": "bogus",
                                            "kind": "<script>", "nonsense": "1", "q": "z" * 10_000})
    assert filters.date_from < filters.date_to and filters.status is None and len(filters.q) == 500
    assert any("inverted" in p for p in problems) and any("Unknown status" in p for p in problems)
    assert vault.search(Filters(q="\udcff' OR 1=1 --")).items == []  # bound, never formatted into SQL
    assert vault.search(Filters(q="%")).items == [] and vault.search(Filters(q="_")).items == []
    with pytest.raises(ValueError, match="Unknown export format"):
        vault.export(vault.data_dir / "x.exe", "exe", Filters())


def test_odd_text_in_prompt_and_answer_is_kept_exactly(vault, fake):
    answer = "ok \x00 עברית 🧪 <b>bold</b>"
    fake.enqueue(text=answer, chunks=4)
    gen = vault.wait(vault.start(request(prompt=MEGA_PROMPT, system_prompt=ODD_TEXT), "ana"), timeout=30)
    stored = vault.store.get(gen.id)
    assert stored.status == "complete" and stored.prompt == MEGA_PROMPT and stored.system_prompt == ODD_TEXT
    assert stored.result_text == answer


def test_a_lone_surrogate_in_the_models_answer_does_not_break_saving(vault, fake):
    """A provider's stray "\\ud800" JSON escape once made every write of the row fail (stuck streaming)."""
    fake.enqueue(text="before \ud800 after and more", chunks=3, delay=0.05)
    gen = vault.wait(vault.start(request(prompt="surrogate answer"), "ana"), timeout=10)
    assert gen.status == "complete" and gen.result_text == "before \ufffd after and more"
    assert vault.store.get(gen.id).result_text == gen.result_text


def test_a_lone_surrogate_in_a_provider_error_is_stored(vault, fake):
    fake.enqueue(status=400, message="bad \udc80 byte in your request")
    gen = vault.wait(vault.start(request(prompt="surrogate error"), "ana"), timeout=10)
    assert gen.status == "error" and "bad \ufffd byte" in vault.store.get(gen.id).error
