"""`python -m genlib budgets|prices export|import FILE`: on the files and on the database, while a
Vault (the app) has the data dir open, refusing an invalid file and a stale --if-version."""
from __future__ import annotations

import pytest

from genlib import Settings
from genlib.backends.factory import open_documents
from genlib.cli import main

BUDGETS = "# ours\n[default_user]\ndaily_usd = 2\n"
PRICES = '[models."house-model"]\ninput_per_mtok = 1\noutput_per_mtok = 2\n'


@pytest.fixture(params=["embedded", "team"])
def where(request, tmp_path, monkeypatch):
    """The environment of the CLI: a data dir, and for "team" a database URL on this test's schema."""
    monkeypatch.setenv("GENLIB_DATA_DIR", str(tmp_path / "data"))
    for name in ("GENLIB_DATABASE_URL", "GENLIB_BUDGETS_FILE", "GENLIB_PRICES_FILE", "GENLIB_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    if request.param == "team":
        space = request.getfixturevalue("pg_schema")
        monkeypatch.setenv("GENLIB_DATABASE_URL", f"{space.url}?schema={space.schema}")
    return Settings.from_env()


@pytest.mark.parametrize("name, text", [("budgets", BUDGETS), ("prices", PRICES)])
def test_import_then_export_round_trips_the_text(where, tmp_path, capsys, name, text):
    out = tmp_path / "out.toml"
    assert main([name, "export", str(out)]) == 1 and not out.exists()  # nothing saved yet
    assert f"no {name} are saved" in capsys.readouterr().err
    source = tmp_path / "in.toml"
    source.write_text(text)
    assert main([name, "import", str(source)]) == 0
    assert "imported" in capsys.readouterr().err
    assert main([name, "export", str(out)]) == 0 and out.read_text() == text
    docs = open_documents(where)  # what the app (any replica) reads
    try:
        assert docs.current(name).text == text
    finally:
        docs.close()


def test_an_invalid_file_changes_nothing(where, tmp_path, capsys):
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(BUDGETS)
    bad.write_text("[default_user]\ndaily_usd = -2\n")
    assert main(["budgets", "import", str(good)]) == 0
    assert main(["budgets", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "default_user.daily_usd must be a number" in err and "Traceback" not in err
    (tmp_path / "latin1.toml").write_bytes("# caf\xe9\n".encode("latin-1"))
    assert main(["budgets", "import", str(tmp_path / "latin1.toml")]) == 1
    assert "not UTF-8" in capsys.readouterr().err
    assert main(["budgets", "import", str(tmp_path / "missing.toml")]) == 1
    docs = open_documents(where)
    try:
        assert docs.read("budgets").text == BUDGETS
    finally:
        docs.close()


def test_if_version_refuses_an_import_over_a_newer_save(where, tmp_path, capsys):
    first = tmp_path / "first.toml"
    first.write_text(BUDGETS)
    assert main(["budgets", "import", str(first)]) == 0
    docs = open_documents(where)
    try:
        seen = docs.read("budgets").version
        docs.write("budgets", BUDGETS.replace("2", "3"), seen, by="another admin")
        assert main(["budgets", "import", "--if-version", seen, str(first)]) == 1
        assert "were changed" in capsys.readouterr().err
        assert docs.read("budgets").text == BUDGETS.replace("2", "3")
    finally:
        docs.close()


def test_the_cli_imports_while_the_app_has_the_data_dir_open(tmp_path, monkeypatch, fake):
    from tests.vaults import make_vault

    monkeypatch.setenv("GENLIB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GENLIB_DATABASE_URL", raising=False)
    monkeypatch.delenv("GENLIB_BUDGETS_FILE", raising=False)
    vault = make_vault(tmp_path / "data", fake)
    try:
        source = tmp_path / "b.toml"
        source.write_text("[overall]\ndaily_usd = 7\n")
        assert main(["budgets", "import", str(source)]) == 0  # no DuckDB lock needed
        assert vault.budget_config().overall.daily_usd == 7
    finally:
        vault.close()
