"""`python -m genlib tag|untag|note|star|rate|list --tag|share|shares|revoke|sharing`."""
from __future__ import annotations

from tests.test_cli import cli  # noqa: F401 - the fixture


def _generate(cli, prompt):
    cli.fake.enqueue(text="an answer")
    return cli("generate", prompt, "-m", "gpt-4o-mini").stderr.split("id: ")[1].split()[0]


def test_tag_note_star_rate_and_list_by_them(cli):
    first, second = _generate(cli, "first"), _generate(cli, "second")
    out = cli("tag", first, "Project X", "draft")
    assert "tags: draft, project x" in out.stdout
    assert "tags: project x" in cli("untag", first, "draft").stdout
    cli("tag", second, "project x")
    assert "note: **keep**" in cli("note", second, "**keep**").stdout
    assert "★" in cli("star", first).stdout and "👎" in cli("rate", first, "down").stdout
    listed = cli("list", "--tag", "project x").stdout.splitlines()
    assert [line.split()[0] for line in listed] == [second, first]
    assert [line.split()[0] for line in cli("list", "--starred").stdout.splitlines()] == [first]
    assert cli("list", "--starred", "--status", "error").stdout == ""  # the other filters apply too
    assert [line.split()[0] for line in cli("list", "--has-note").stdout.splitlines()] == [second]
    assert [line.split()[0] for line in cli("list", "--rating", "down").stdout.splitlines()] == [first]
    bad = cli("tag", "nosuchid12345678901234", "x", check=False)
    assert bad.returncode == 1 and "not found" in bad.stderr and "Traceback" not in bad.stderr


def test_share_shares_revoke_and_sharing_off(cli):
    gen_id = _generate(cli, "to share")
    out = cli("share", gen_id, "--expires", "1d", GENLIB_PUBLIC_URL="https://vault.example")
    link = out.stdout.strip()
    assert link.startswith("https://vault.example/?share=") and gen_id not in link
    share_id = out.stderr.split()[1].rstrip(":")
    listed = cli("shares").stdout
    assert share_id in listed and "active" in listed and "0 views" in listed
    assert cli("revoke", share_id).stdout.strip() == f"revoked {share_id}"
    assert "revoked" in cli("shares").stdout
    assert cli("revoke", share_id, check=False).returncode == 4
    cli("sharing", "off")
    refused = cli("share", gen_id, check=False)
    assert refused.returncode == 1 and "Sharing is off" in refused.stderr
    cli("sharing", "on")
    assert "?share=" in cli("share", gen_id, "--expires", "never").stdout


def test_a_blank_genlib_user_is_local_for_every_command(cli):
    """GENLIB_USER set but blank: generating refused ("needs a user id") while tagging acted as
    "local"; both act as "local" now, so the CLI's user can mark what it generated."""
    cli.fake.enqueue(text="an answer")
    out = cli("generate", "blank user", "-m", "gpt-4o-mini", GENLIB_USER=" ")
    gen_id = out.stderr.split("id: ")[1].split()[0]
    assert "tags: mine" in cli("tag", gen_id, "mine", GENLIB_USER="").stdout
    assert [line.split()[0] for line in cli("list", "--tag", "mine", GENLIB_USER="local").stdout.splitlines()] == [gen_id]
