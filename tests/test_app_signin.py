"""AppTest: who may sign in (issue 16 item 4). Users are their provider's issuer + subject; an email
the provider did not verify is refused, or with GENLIB_ALLOW_UNVERIFIED_EMAIL (missing claim only)
grants nothing that is configured by email; records saved under an email go to its verified owner."""
from __future__ import annotations

from genlib import GenerationRequest, Identity
from tests.apptext import errors, unescaped
from tests.conftest import TEST_ISSUER, user_claims

ANA, BOSS = "ana@example.com", "boss@example.com"
OTHER_ISSUER = "https://other-idp.test"


def seed(vault, prompt, user):
    return vault.wait(vault.start(GenerationRequest(prompt, "offline-demo"), user), timeout=20)


def history_prompts(at) -> list[str]:
    return list(at.dataframe[0].value["Prompt"]) if at.dataframe else []


def refused(at) -> str:
    assert not at.exception and not at.text_area and not at.dataframe
    assert at.button(key="logout").label == "Log out"
    return " ".join(errors(at))


def test_an_unverified_admin_email_is_refused(open_app, app_vault, monkeypatch):
    monkeypatch.setenv("GENLIB_ADMINS", BOSS)
    seed(app_vault, "everyone's secrets", "ben@example.com")
    for script in (None, "pages/history.py", "pages/costs.py"):
        at = open_app(script, login=BOSS, claims={"email_verified": False})
        assert "did not confirm the email address boss@example.com" in refused(at)
    at = open_app(login=BOSS, claims={"email_verified": "false"})  # some providers send strings
    assert "did not confirm" in refused(at)


def test_a_missing_claim_is_refused_by_default(open_app, app_vault):
    claims = {k: v for k, v in user_claims(ANA).items() if k != "email_verified"}
    at = open_app(login=ANA, claims={**claims, "email_verified": None})
    assert "GENLIB_ALLOW_UNVERIFIED_EMAIL" in refused(at)


def test_the_opt_out_lets_a_missing_claim_in_but_never_as_admin(open_app, monkeypatch):
    monkeypatch.setenv("GENLIB_ALLOW_UNVERIFIED_EMAIL", "1")
    monkeypatch.setenv("GENLIB_ADMINS", BOSS)
    from ui.vault import get_vault  # opened after the setting, as the app would be
    vault = get_vault()
    seed(vault, "ben's plan", "ben@example.com")
    seed(vault, "boss's legacy notes", BOSS)  # saved under the email before keys existed
    at = open_app("pages/history.py", login=BOSS, claims={"email_verified": None})
    assert not at.exception
    assert history_prompts(at) == []  # not admin, and an unverified email takes over nothing
    at = open_app(login=BOSS, claims={"email_verified": None})
    assert [unescaped(c.value) for c in at.sidebar.caption] == ["Signed in as boss@example.com (unverified)"]
    assert open_app(login=BOSS, claims={"email_verified": False}).error  # explicit false: still refused


def test_same_email_at_two_issuers_or_subjects_are_two_users(open_app, app_vault):
    seed(app_vault, "ana's notes at the first IdP", f"{TEST_ISSUER}#sub-{ANA}")
    for claims in ({"iss": OTHER_ISSUER}, {"sub": "someone-else"}):
        at = open_app("pages/history.py", login=ANA, claims=claims)
        assert not at.exception and history_prompts(at) == []
    assert history_prompts(open_app("pages/history.py", login=ANA)) == ["ana's notes at the first IdP"]


def test_records_saved_under_an_email_go_to_the_first_verified_account_with_it(open_app, app_vault):
    old = seed(app_vault, "ana's notes from before", ANA)
    at = open_app("pages/history.py", login=ANA, claims={"iss": OTHER_ISSUER})
    assert history_prompts(at) == ["ana's notes from before"]
    assert app_vault.get(old.id).user_id == f"{OTHER_ISSUER}#sub-{ANA}"
    assert history_prompts(open_app("pages/history.py", login=ANA)) == []  # same email, other account


def test_an_admin_finds_a_user_by_email(open_app, app_vault, monkeypatch):
    monkeypatch.setenv("GENLIB_ADMINS", BOSS)
    app_vault.sign_in(Identity(TEST_ISSUER, "sub-ana", ANA, True))
    seed(app_vault, "ana's notes", f"{TEST_ISSUER}#sub-ana")
    seed(app_vault, "boss's notes", "someone")
    at = open_app("pages/history.py", login=BOSS, user="ANA@example.com")
    assert history_prompts(at) == ["ana's notes"] and list(at.dataframe[0].value["User"]) == [ANA]


def test_a_takeover_includes_rows_still_in_the_start_journal(vault):
    """A dedup hit is committed to the start journal and moved into the table at the next flush:
    a sign-in that takes over legacy rows right after it must take that row too."""
    first = vault.wait(vault.start(GenerationRequest("legacy question", "gpt-4o-mini"), ANA), timeout=20)
    hit = vault.wait(vault.start(GenerationRequest("legacy question", "gpt-4o-mini"), ANA), timeout=20)
    assert hit.cached_from == first.id  # journaled, not yet flushed into `generations`
    key = vault.sign_in(Identity(TEST_ISSUER, "sub-ana", ANA, True))
    assert vault.get(hit.id, key) is not None and vault.get(first.id, key) is not None
