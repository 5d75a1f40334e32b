"""A damaged database (truncated, not a DuckDB file, a folder in its place) is a `StorageUnavailable`
with one line and a recovery hint in the API, the CLI and the app; `genlib doctor` checks each backend."""
from __future__ import annotations

import pytest

from genlib import GenerationRequest, StorageUnavailable
from genlib.cli import main as cli_main
from genlib.backends.duckdb.migrations import MIGRATIONS
from tests.apptext import errors
from tests.vaults import make_vault

HISTORY = "pages/history.py"


def truncated_database(data_dir) -> None:
    """A real database with a few generations, cut to half its size (a failed copy or disk)."""
    vault = make_vault(data_dir)
    for n in range(3):
        vault.wait(vault.start(GenerationRequest(f"prompt {n}", "offline-demo"), user_id="ana"), timeout=30)
    vault.close()
    db = data_dir / "genvault.duckdb"
    with open(db, "r+b") as fh:
        fh.truncate(db.stat().st_size // 2)


def damage(kind: str, data_dir) -> None:
    if kind == "truncated":
        truncated_database(data_dir)
    elif kind == "not duckdb":
        data_dir.mkdir(parents=True)
        (data_dir / "genvault.duckdb").write_text("id,prompt\n1,hello\n" * 500)
    else:  # a folder where the file should be
        (data_dir / "genvault.duckdb").mkdir(parents=True)


def assert_one_line_with_hint(message: str) -> None:
    assert "\n" not in message.strip() and "Traceback" not in message
    assert "Restore the file from a backup" in message and "python -m genlib doctor" in message


@pytest.mark.parametrize("kind", ["truncated", "not duckdb", "a folder"])
def test_a_damaged_database_is_storage_unavailable_with_a_hint(tmp_path, kind):
    damage(kind, tmp_path / "data")
    with pytest.raises(StorageUnavailable) as err:
        make_vault(tmp_path / "data")
    assert_one_line_with_hint(str(err.value))
    assert str(tmp_path / "data" / "genvault.duckdb") in str(err.value)


def test_the_cli_prints_one_line_and_exits_non_zero(tmp_path, capsys):
    truncated_database(tmp_path / "data")
    assert cli_main(["list"]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("genlib: The database ") and "can't be read" in captured.err
    assert_one_line_with_hint(captured.err)


def test_the_app_shows_a_notice_not_a_traceback(open_app, tmp_path):
    truncated_database(tmp_path / "data")  # the app env's data dir (GENLIB_DATA_DIR of this test)
    at = open_app(HISTORY)
    assert not at.exception
    [shown] = errors(at)
    assert "Storage is unavailable" in shown and "can't be read" in shown


def test_doctor_reports_each_backend_on_a_healthy_data_dir(tmp_path, capsys):
    make_vault(tmp_path / "data").close()
    assert cli_main(["doctor"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [["database", "ok"], ["images", "ok"], ["dedup", "cache"]]
    assert f"schema version {MIGRATIONS[-1][0]}" in lines[0] and lines[2].split()[2] == "ok"
    assert not list((tmp_path / "data" / "images").iterdir())  # the probe file is gone


def test_doctor_names_a_damaged_database_and_still_checks_the_rest(tmp_path, capsys):
    truncated_database(tmp_path / "data")
    assert cli_main(["doctor"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("database     FAILED  The database ") and "can't be read" in lines[0]
    assert [line.split()[1] for line in lines[1:]] == ["ok", "cache"]
