"""The admin's budgets editor on the Costs page of two team replicas (issue 11, point 5): a limit
saved on replica A, and a budgets file uploaded there, are in force on replica B within 5 s; an
invalid upload and a save from a page that is out of date are refused with a clear message."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import choose, goto, no_traceback, wait_idle
from tests.browser.replicaapps import replicas

pytestmark = pytest.mark.browser
PROPAGATION_S = 5.0


@pytest.fixture
def two_replicas(team_env, tmp_path, fake):
    with replicas(team_env, fake, tmp_path) as (_, urls):
        yield urls


def budgets_on(page, url: str) -> str:
    """The budgets TOML replica `url` serves to an admin (the page's download link)."""
    answer = page.request.get(f"{url}/files/settings/budgets.toml")
    return answer.text() if answer.ok else ""


def within(check, limit: float = PROPAGATION_S) -> float:
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < limit, f"not in force within {limit} s"
        time.sleep(0.1)
    return time.monotonic() - start


def save_limit(page, who: str, setting: str, value: str) -> None:
    form = page.locator("[data-testid='stExpander']", has_text="Set a limit (admins)")
    if not form.get_by_label("New value").is_visible():
        form.locator("summary").click()
    choose(page, "Who", who)
    choose(page, "Limit", setting)
    form.get_by_label("New value").fill(value)
    form.get_by_role("button", name="Save limit").click()
    wait_idle(page)


def upload(page, path) -> None:
    files = page.locator("[data-testid='stExpander']", has_text="Budgets and prices files (admins)")
    if not files.get_by_text("Upload a budgets file (TOML)").is_visible():
        files.locator("summary").click()
    files.locator("[data-testid='stFileUploader']").first.locator("input[type='file']").set_input_files(str(path))
    button = files.get_by_role("button", name="Replace the budgets with the upload")
    expect(button).to_be_enabled()
    button.click()
    wait_idle(page)


def test_an_admin_saves_and_imports_budgets_on_one_replica_and_the_other_enforces_them(
        two_replicas, new_context, tmp_path):
    a, b = two_replicas
    page, other = new_context().new_page(), new_context().new_page()
    goto(page, f"{a}/costs")
    save_limit(page, "Each user (default)", "Daily limit (USD)", "3")
    expect(page.get_by_text("Saved: daily_usd = 3 for each user.")).to_be_visible()
    took = within(lambda: "daily_usd = 3.00" in budgets_on(other, b))
    print(f"form save in force on the other replica after {took:.2f} s")

    good = tmp_path / "team-budgets.toml"
    good.write_text("# uploaded\n[overall]\nmonthly_usd = 77\n")
    upload(page, good)
    expect(page.get_by_text("Saved: the uploaded budgets are in force")).to_be_visible()
    link = page.get_by_role("link", name="Download budgets.toml")
    expect(link).to_have_attribute("href", "files/settings/budgets.toml")
    with page.expect_download() as download:  # the page's own link, through the admin-only route
        link.click()
    assert Path(download.value.path()).read_text() == good.read_text()
    within(lambda: budgets_on(other, b) == good.read_text())
    goto(other, f"{b}/costs")  # replica B's own page shows the uploaded limit
    expect(other.locator("[data-testid='stDataFrame']").first).to_contain_text("$77.00")
    expect(other.get_by_text("kept in the budgets in the database (shared by every replica)").first).to_be_attached()
    no_traceback(other)

    bad = tmp_path / "bad.toml"
    bad.write_text("[overall]\nmonthly_usd = -1\n")
    upload(page, bad)
    expect(page.get_by_text("Not saved: the budgets are not valid")).to_be_visible()
    assert budgets_on(other, b) == good.read_text()  # the old one stays

    # A save from a page opened before someone else's save is refused, not merged silently.
    goto(page, f"{a}/costs")
    goto(other, f"{b}/costs")
    save_limit(other, "Overall (everyone together)", "Daily limit (USD)", "9")
    expect(other.get_by_text("Saved: daily_usd = 9 for the overall budget.")).to_be_visible()
    save_limit(page, "Overall (everyone together)", "Daily limit (USD)", "8")
    expect(page.get_by_text("were changed", exact=False)).to_be_visible()
    assert "daily_usd = 9" in budgets_on(other, b) and "daily_usd = 8" not in budgets_on(other, b)
    no_traceback(page)
