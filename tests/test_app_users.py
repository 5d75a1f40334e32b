"""AppTest: sign-in with `[auth]` — each user sees only their own generations unless admin."""
from __future__ import annotations

from genlib import GenerationRequest
from tests.conftest import TEST_ISSUER

ANA, BEN, BOSS = "ana@example.com", "ben@example.com", "boss@example.com"


def seed(vault, prompt, user, **kwargs):
    return vault.wait(vault.start(GenerationRequest(prompt, "offline-demo", **kwargs), user), timeout=20)


def prompts_in_history(at) -> list[str]:
    return list(at.dataframe[0].value["Prompt"]) if at.dataframe else []


def test_auth_requires_sign_in(open_app):
    at = open_app(login="")
    assert not at.exception
    assert at.button(key="login").label == "Log in"
    assert not at.text_area  # no form, nothing of the app until signed in


def test_signed_in_user_generates_as_issuer_and_subject_shown_by_email(open_app, app_vault):
    at = open_app(login=ANA)
    assert [c.value for c in at.sidebar.caption] == ["Signed in as ana\\@example\\.com"]
    assert at.sidebar.button(key="logout").label == "Log out"
    at.text_area(key="prompt").input("mine")
    at.button(key="FormSubmitter:generate_form-Generate").click().run()
    assert app_vault.wait(at.query_params["id"], timeout=20).user_id == f"{TEST_ISSUER}#sub-{ANA}"
    assert "User" not in open_app("pages/history.py", login=ANA).dataframe[0].value  # only ever their own


def test_a_user_cannot_see_another_users_generation(open_app, app_vault):
    bens = seed(app_vault, "ben's secret plan", BEN)
    seed(app_vault, "ana's notes", ANA)
    at = open_app(login=ANA, id=bens.id)
    assert [t.value for t in at.title] == ["Generation not found"] and not at.error
    assert "secret plan" not in " ".join(m.value for m in [*at.markdown, *at.html])
    assert prompts_in_history(open_app("pages/history.py", login=ANA)) == ["ana's notes"]
    at = open_app("pages/costs.py", login=ANA)
    assert next(m.value for m in at.metric if m.label == "Generations") == "1"
    at = open_app("pages/image.py", login=ANA, id=bens.id)
    assert [t.value for t in at.title] == ["Image not found"] and not at.error


def test_history_hides_the_user_filter_from_non_admins(open_app, app_vault):
    seed(app_vault, "ana's notes", ANA)
    at = open_app("pages/history.py", login=ANA)
    assert "User" not in {w.label for w in at.text_input}


def test_admins_see_everyone(open_app, app_vault, monkeypatch):
    monkeypatch.setenv("GENLIB_ADMINS", f"someone@else.org, {BOSS.upper()}")
    bens = seed(app_vault, "ben's secret plan", BEN)
    seed(app_vault, "ana's notes", ANA)
    at = open_app(login=BOSS, id=bens.id)
    assert at.title[0].value == "Generation" and not at.error
    at = open_app("pages/history.py", login=BOSS)
    assert sorted(prompts_in_history(at)) == ["ana's notes", "ben's secret plan"]
    assert sorted(at.dataframe[0].value["User"]) == [ANA, BEN] and at.text_input(key="user").label == "User"
    at = open_app("pages/history.py", login=BOSS, **{"user": BEN})
    assert prompts_in_history(at) == ["ben's secret plan"]


def test_another_users_identical_request_is_not_served_from_their_record(open_app, app_vault):
    seed(app_vault, "same words", BEN)
    mine = seed(app_vault, "same words", ANA)
    assert mine.cached_from is None  # per-user dedup by default
    at = open_app(login=ANA, id=mine.id)
    assert not any("Served from the cache" in i.value for i in at.info)


def test_a_team_shared_cache_hit_shows_nothing_of_the_other_users_record(open_app, app_env, monkeypatch):
    monkeypatch.setenv("GENLIB_DEDUP_SCOPE", "shared")
    from ui.vault import get_vault

    vault = get_vault()
    seed(vault, "same words", BEN)
    hit = seed(vault, "same words", ANA)
    assert hit.cached_from == "shared-cache"
    at = open_app(login=ANA, id=hit.id)
    [notice] = [i.value for i in at.info if "Served from the cache" in i.value]
    assert " old." not in notice and "Saved" in notice
    assert not [link for link in at.get("page_link") if link.label == "Open the original generation"]
