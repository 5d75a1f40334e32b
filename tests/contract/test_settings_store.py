"""SettingsStore contract: the budgets and prices documents, versioned saves that never overwrite
someone else's edit, a refused invalid document, and an edit seen by another process within 5 s."""
from __future__ import annotations

import time

import pytest

from genlib import BadRequest, EditConflict
from genlib.backends.factory import open_documents
from genlib.settingsedit import save

BUDGETS = "# team budgets\n[overall]\ndaily_usd = 50\n"
PRICES = '[models."house-model"]\ninput_per_mtok = 1\noutput_per_mtok = 2\n'
PROPAGATION_S = 5.0  # the bound; the database's poll interval is 1 s


def test_nothing_saved_reads_as_no_document(backend):
    for name in ("budgets", "prices"):
        for doc in (backend.documents.current(name), backend.documents.read(name)):
            assert (doc.name, doc.text, doc.version) == (name, None, "")
    with pytest.raises(ValueError, match="unknown settings document"):
        backend.documents.read("users; DROP TABLE generations")


def test_a_save_is_read_back_with_its_comments_and_a_new_version(backend):
    saved = backend.documents.write("budgets", BUDGETS, "", by="admin@example.com")
    assert saved.text == BUDGETS and saved.version
    assert backend.documents.read("budgets").text == BUDGETS
    assert backend.documents.current("budgets").version == saved.version  # its own edit at once
    again = backend.documents.write("budgets", BUDGETS + "monthly_usd = 900\n", saved.version)
    assert again.version not in ("", saved.version)
    assert backend.documents.read("prices").text is None  # a document of its own
    backend.reopen()  # as a restarted process
    assert backend.documents.current("budgets").text == BUDGETS + "monthly_usd = 900\n"


def test_an_edit_from_an_older_version_is_refused_and_the_newer_one_stays(backend):
    first = backend.documents.write("prices", PRICES, "")
    with pytest.raises(EditConflict):
        backend.documents.write("prices", "[models.y]\n", "")  # both thought it was new
    second = backend.documents.write("prices", PRICES.replace("2", "3"), first.version)
    with pytest.raises(EditConflict, match="changed .*since you opened them.*not saved"):
        backend.documents.write("prices", PRICES.replace("2", "4"), first.version)
    assert backend.documents.read("prices").text == PRICES.replace("2", "3")
    assert backend.documents.read("prices").version == second.version


@pytest.mark.parametrize("name, text, problem", [
    ("budgets", "[overall]\ndaily_usd = -5\n", "overall.daily_usd must be a number"),
    ("budgets", "[overall\n", "not valid TOML"),
    ("prices", '[models."x"]\ninput_per_mtoken = 1\n', "unknown key"),
])
def test_an_invalid_document_is_refused_and_the_old_one_stays(backend, name, text, problem):
    good = BUDGETS if name == "budgets" else PRICES
    saved = backend.documents.write(name, good, "")
    with pytest.raises(BadRequest, match=problem):
        save(backend.documents, name, text, saved.version, by="admin")
    assert backend.documents.read(name).version == saved.version
    assert backend.documents.current(name).text == good


def test_an_edit_is_seen_by_another_process_within_five_seconds(backend):
    other = open_documents(backend.settings)  # what another replica (or the CLI) opens
    try:
        assert other.current("budgets").text is None
        saved = backend.documents.write("budgets", BUDGETS, "")
        took = _until(lambda: other.current("budgets").version == saved.version)
        assert took < PROPAGATION_S
        with pytest.raises(EditConflict):
            other.write("budgets", "[overall]\n", "")  # it began before the save
        newer = other.write("budgets", BUDGETS.replace("50", "60"), saved.version, by="bo")
        _until(lambda: backend.documents.current("budgets").version == newer.version)
        assert backend.documents.current("budgets").text == BUDGETS.replace("50", "60")
    finally:
        other.close()


def _until(condition, limit: float = 10.0) -> float:
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < limit, "not seen in time"
        time.sleep(0.02)
    return time.monotonic() - start
