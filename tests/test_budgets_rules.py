"""Budgets: the file format, editing it, the rate limit, and the sentences users read."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from genlib import BadRequest, RateLimited
from genlib.budgets.config import BudgetFile, Fallback, Limits, parse_budgets_text
from genlib.backends.local.settings import FileSettings
from genlib.budgets.edit import with_limit
from genlib.budgets.use import BudgetUse, duration, project_month, rate_message, usd
from genlib.budgets.ratelimit import RateLimiter
from tests.budget_helpers import text_request, write_budgets

ROOT = Path(__file__).resolve().parent.parent


# -- the file ---------------------------------------------------------------------------------
def test_the_example_file_parses_and_users_inherit_missing_limits():
    config = parse_budgets_text((ROOT / "budgets.example.toml").read_text())
    assert config.overall.daily_usd and config.overall.monthly_usd
    ana = next(iter(config.users))
    mine = config.user_limits(ana.upper())  # ids are case-insensitive
    assert mine.daily_usd == config.users[ana].daily_usd
    assert mine.monthly_usd == config.default_user.monthly_usd  # missing keys come from default_user
    assert config.user_limits("someone-else") == config.default_user
    assert config.alert_multiple and config.has_budget("anyone")


@pytest.mark.parametrize("text, problem", [
    ("[overall]\ndaily = 5\n", "unknown key(s) daily"),
    ("[default_user]\ndaily_usd = -1\n", "must be a number"),
    ("[default_user]\ndaily_usd = \"5\"\n", "must be a number"),
    ("[default_user]\nrate_per_minute = 2.5\n", "whole number"),
    ("[overall]\nrate_per_minute = 5\n", "unknown key(s) rate_per_minute"),
    ("unpriced = \"free\"\n", "unpriced must be"),
    ("unpriced = { fallback_input_per_mtok = 1 }\n", "unpriced must be"),
    ("[users.\"Ana\"]\ndaily_usd = 1\n[users.\"ana\"]\ndaily_usd = 2\n", "twice"),
    ("dayly_usd = 5\n", "unknown top-level key(s) dayly_usd"),
    ("[overall\n", "not valid TOML"),
])
def test_bad_files_are_refused_with_the_reason(text, problem):
    with pytest.raises(ValueError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        parse_budgets_text(text)


def test_unpriced_options_and_an_empty_file():
    assert parse_budgets_text("").empty and parse_budgets_text("").unpriced == "refuse"
    assert parse_budgets_text('unpriced = "allow"').unpriced == "allow"
    fallback = parse_budgets_text("unpriced = { fallback_input_per_mtok = 0.5, fallback_output_per_mtok = 2 }")
    assert fallback.unpriced == Fallback(Decimal("0.5"), Decimal(2))
    assert not parse_budgets_text("[overall]\n").has_budget("ana")


def test_the_file_is_re_read_when_it_changes_and_missing_means_no_budgets(tmp_path):
    path = tmp_path / "budgets.toml"
    budgets = BudgetFile(path)
    assert budgets.config().empty
    path.write_text("[overall]\ndaily_usd = 5\n")
    assert budgets.config().overall == Limits(daily_usd=Decimal(5))
    path.write_text("[overall]\ndaily_usd = 7\n")  # same size, maybe the same mtime tick
    assert budgets.config().overall.daily_usd == 7
    path.unlink()
    assert budgets.config().empty and budgets.problem is None


# -- the admin's edit -------------------------------------------------------------------------
def set_limit(path, user, key, value):
    """The admin form's edit, saved through the embedded SettingsStore (the budgets file)."""
    docs = FileSettings(path, path.with_name("prices.toml"))
    doc = docs.read("budgets")
    docs.write("budgets", with_limit(doc.text or "", user, key, value), doc.version)


def test_setting_a_limit_keeps_comments_and_other_entries(tmp_path):
    path = tmp_path / "budgets.toml"
    path.write_text("# our budgets\nalert_multiple = 5\n\n[default_user]  # everyone\n"
                    "daily_usd = 5   # five a day\nmonthly_usd = 50\n\n[overall]\nmonthly_usd = 500\n")
    set_limit(path, "*", "daily_usd", "7.5")
    set_limit(path, "Ana@Example.com", "daily_usd", "$20")
    set_limit(path, "ana@example.com", "rate_per_minute", 30)
    set_limit(path, None, "daily_usd", "100")
    text = path.read_text()
    assert text.startswith("# our budgets\nalert_multiple = 5\n\n[default_user]  # everyone\ndaily_usd = 7.50\n")
    config = parse_budgets_text(text)
    assert config.default_user == Limits(Decimal("7.5"), Decimal(50))
    assert config.users["ana@example.com"] == Limits(daily_usd=Decimal(20), rate_per_minute=30)
    assert config.overall == Limits(Decimal(100), Decimal(500))
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("user, key, value, problem", [
    ("ana", "daily_usd", "-5", "from 0 to"),
    ("ana", "daily_usd", "lots", "not a number"),
    ("ana", "daily_usd", "inf", "from 0 to"),
    ("ana", "rate_per_minute", "2.5", "whole number"),
    (None, "rate_per_minute", "5", "Unknown budget setting"),
    ("", "daily_usd", "5", "user's id"),
    ("ana", "weekly_usd", "5", "Unknown budget setting"),
])
def test_bad_edits_are_refused_and_nothing_is_written(tmp_path, user, key, value, problem):
    path = tmp_path / "budgets.toml"
    path.write_text("[overall]\ndaily_usd = 5\n")
    with pytest.raises(BadRequest, match=problem):
        set_limit(path, user, key, value)
    assert path.read_text() == "[overall]\ndaily_usd = 5\n"


def test_an_edit_that_would_break_the_file_is_refused(tmp_path):
    path = tmp_path / "budgets.toml"
    path.write_text('users = { "ana" = { daily_usd = 1 } }\n')  # inline: can't add a [users."ana"] table
    with pytest.raises(BadRequest, match="were not changed"):
        set_limit(path, "ana", "daily_usd", "2")


def test_a_raised_budget_applies_at_once(vault, fake):
    write_budgets(vault, "[default_user]\ndaily_usd = 0\n")
    with pytest.raises(Exception, match="used up"):
        vault.start(text_request(), "ana")
    vault.set_budget_limit("ana", "daily_usd", "1")
    vault.wait(vault.start(text_request(), "ana"), timeout=20)


# -- the rate limit ---------------------------------------------------------------------------
def test_twenty_concurrent_requests_against_a_rate_of_five(vault, fake):
    write_budgets(vault, "[default_user]\nrate_per_minute = 5\n")
    fake.default.update(hang=0.3)
    barrier, ids, refused = threading.Barrier(20), [], []

    def go(i):
        barrier.wait()
        try:
            ids.append(vault.start(text_request(i), "ana"))
        except RateLimited as exc:
            refused.append(str(exc))

    threads = [threading.Thread(target=go, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for gen_id in ids:
        vault.wait(gen_id, timeout=20)
    assert len(ids) == 5 and len(refused) == 15 and fake.calls("chat") == 5
    assert refused[0].startswith("You have started 5 generations in the last minute; the limit is 5 per "
                                 "minute. Try again in ")
    vault.wait(vault.start(text_request(99), "bo"), timeout=20)  # per user


def test_the_window_slides_and_users_can_have_their_own_rate(vault, fake):
    write_budgets(vault, '[default_user]\nrate_per_minute = 1\n[users."ana"]\nrate_per_minute = 2\n')
    now = [1000.0]
    vault.ledger.rate = RateLimiter(clock=lambda: now[0])
    first = vault.wait(vault.start(text_request(0), "bo"), timeout=20)
    with pytest.raises(RateLimited, match="Try again in 1 min"):
        vault.start(text_request(1), "bo")
    now[0] += 59.0
    with pytest.raises(RateLimited, match="Try again in 1 s"):
        vault.start(text_request(1), "bo")
    now[0] += 1.0
    vault.wait(vault.start(text_request(1), "bo"), timeout=20)
    mine = vault.wait(vault.start(text_request(5), "ana"), timeout=20)
    assert first.cached_from is None  # (bo's answer is not ana's: the dedup cache is per user)
    assert vault.wait(vault.start(text_request(5), "ana")).cached_from == mine.id  # a hit counts...
    with pytest.raises(RateLimited):  # ...so ana's third start within the minute is refused
        vault.start(text_request(6), "ana")


def test_a_rate_of_zero_blocks():
    assert RateLimiter().wait_s("ana", 0) == 60.0
    assert "ask an admin" in rate_message(0, 0, 60.0)


# -- sentences --------------------------------------------------------------------------------
def test_money_durations_resets_and_projection():
    assert [usd(v) for v in (0, Decimal("5"), Decimal("1234.5"), Decimal("0.000612"))] == \
        ["$0.00", "$5.00", "$1,234.50", "$0.000612"]
    assert [duration(timedelta(seconds=s)) for s in (40, 720, 11520, 3 * 86400 + 7200, 86400)] == \
        ["40 s", "12 min", "3 h 12 min", "3 d 2 h", "1 d"]
    now = datetime(2026, 11, 30, 20, 48)
    daily = BudgetUse("ana", "daily", Decimal(5), Decimal("5.02"), Decimal(0), now)
    assert daily.reset_phrase() == "at 00:00 UTC (in 3 h 12 min)" and daily.fraction > 1
    monthly = BudgetUse(None, "monthly", Decimal(100), Decimal(1), Decimal(0), datetime(2026, 12, 31, 12))
    assert monthly.reset_phrase() == "on 1 January at 00:00 UTC (in 12 h)"
    assert monthly.name() == "the overall monthly budget" and daily.name("bo") == "ana's daily budget"
    assert project_month(Decimal(10), datetime(2026, 11, 16)) == Decimal(20)  # half of November gone


def test_the_readme_example_is_a_valid_budgets_file():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("**Budgets.**", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    config = parse_budgets_text(block)
    assert config.users and config.overall.monthly_usd and config.default_user.rate_per_minute


# -- blank files, a BOM, the max_tokens bound (issue 16, item 15) -----------------------------
@pytest.mark.parametrize("text", ["", "\n\n", "# budgets go here\n# [overall]\n", "\ufeff# only a comment\n"])
def test_a_blank_file_counts_as_no_file_and_says_so(tmp_path, text):
    path = tmp_path / "budgets.toml"
    budgets = BudgetFile(path)
    path.write_text("[overall]\ndaily_usd = 5\n", encoding="utf-8")
    assert budgets.config().overall.daily_usd == 5 and budgets.state == "read"
    path.write_text(text, encoding="utf-8")
    assert budgets.config().empty and budgets.problem is None and budgets.state == "blank"
    path.unlink()
    assert budgets.config().empty and budgets.state == "missing"
    path.write_text("[overall]\n", encoding="utf-8")  # a table, no limit in it: the file says "none"
    assert budgets.config().empty and budgets.state == "read"


def test_a_utf8_bom_is_accepted_and_an_edit_keeps_the_file_valid(tmp_path):
    path = tmp_path / "budgets.toml"
    path.write_text("\ufeff[overall]\ndaily_usd = 5\n", encoding="utf-8")  # Notepad's "UTF-8 with BOM"
    budgets = BudgetFile(path)
    assert budgets.config().overall.daily_usd == 5 and budgets.problem is None
    set_limit(path, None, "monthly_usd", "50")
    assert budgets.config().overall == Limits(Decimal(5), Decimal(50)) and budgets.problem is None
    assert path.read_text(encoding="utf-8").count("[overall]") == 1


@pytest.mark.parametrize("value", ["1000001", "1000000000"])
def test_default_max_tokens_over_the_request_bound_makes_the_file_invalid(tmp_path, value):
    with pytest.raises(ValueError, match="default_max_tokens must be at most 1,000,000"):
        parse_budgets_text(f"default_max_tokens = {value}\n")
    assert parse_budgets_text("default_max_tokens = 1000000\n").default_max_tokens == 1_000_000
