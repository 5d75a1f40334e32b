"""The share link's page (`/?share=`): shown before the sign-in gate, one generation and nothing else."""
from __future__ import annotations

from genlib import GenerationRequest, utcnow

from tests.apptext import unescaped


def page_text(at) -> str:
    kinds = ("title", "markdown", "caption", "info", "error", "warning")
    parts = [str(e.value) for kind in kinds for e in getattr(at, kind)]
    parts += [getattr(e.proto, "body", "") for e in at.get("html")]
    return unescaped("\n".join(parts))


def _shared(app_vault, **options):
    gen = app_vault.wait(app_vault.start(GenerationRequest("What is shared?", "offline", system_prompt="secret sys"),
                                         "ana"), timeout=20)
    return gen, app_vault.share(gen.id, "ana", "ana", **options)


def test_a_signed_out_visitor_sees_the_generation_and_no_navigation(open_app, app_vault):
    gen, link = _shared(app_vault)
    at = open_app(login="", share=link.token)  # sign-in is on, nobody signed in
    text = page_text(at)
    assert "Shared generation" in text and "What is shared?" in text and "Offline demo answer" in text
    assert "secret sys" not in text and "Log in" not in text and "$" not in text
    assert not at.sidebar.button and not at.button
    assert [s.views for s in app_vault.my_shares("ana")] == [1]
    at.run()
    assert [s.views for s in app_vault.my_shares("ana")] == [1]  # a rerun is not another view


def test_cost_and_system_prompt_only_when_the_owner_included_them(open_app, app_vault):
    gen, link = _shared(app_vault, include_cost=True, include_system=True)
    text = page_text(open_app(login="", share=link.token))
    assert "secret sys" in text


def test_revoked_altered_and_sharing_off_links_say_so(open_app, app_vault):
    gen, link = _shared(app_vault)
    altered = link.token[:-1] + ("x" if link.token[-1] != "x" else "y")
    assert "This link is not valid" in page_text(open_app(login="", share=altered))
    assert "This link is not valid" in page_text(open_app(login="", share=gen.id))  # an id is not a token
    app_vault.set_sharing(False, "admin", is_admin=True)
    assert "Sharing is off" in page_text(open_app(login="", share=link.token))
    app_vault.set_sharing(True, "admin", is_admin=True)
    app_vault.revoke_share(link.id, "ana")
    text = page_text(open_app(login="", share=link.token))
    assert "This link was revoked" in text and "What is shared?" not in text


def test_marks_on_the_generation_page_are_saved_at_once(open_app, app_vault):
    gen = app_vault.wait(app_vault.start(GenerationRequest("Mark me", "offline"), "local"), timeout=20)
    at = open_app("pages/generate.py", id=gen.id)
    at.button(key=f"star_{gen.id}").click().run()
    at.multiselect(key=f"tags_{gen.id}").set_value(["Project X"]).run()
    note = app_vault.annotation(gen.id)
    assert (note.starred, note.tags, note.updated_by) == (True, ("project x",), "local")
    assert app_vault.get(gen.id).result_text == gen.result_text
    at.button(key="FormSubmitter:share_form_" + gen.id + "-Create link").click().run()
    link = [c.value for c in at.code if "?share=" in c.value]
    assert len(link) == 1 and gen.id not in link[0]
    token = link[0].split("?share=")[1]
    assert app_vault.open_share(token)[1].id == gen.id
    at.run()  # another rerun (a hand-over, a tag) must not lose the only copy of the token
    assert [c.value for c in at.code if "?share=" in c.value] == link
    other = app_vault.wait(app_vault.start(GenerationRequest("Another", "offline"), "local"), timeout=20)
    at.query_params["id"] = other.id
    at.run()  # another generation's page: the link is gone
    assert not [c.value for c in at.code if "?share=" in c.value]
    at.query_params["id"] = gen.id
    assert not [c.value for c in at.run().code if "?share=" in c.value]


def test_the_shares_page_lists_views_and_revokes(open_app, app_vault):
    gen = app_vault.wait(app_vault.start(GenerationRequest("Shared twice", "offline"), "local"), timeout=20)
    link = app_vault.share(gen.id, "local", None)
    app_vault.open_share(link.token)
    at = open_app("pages/shares.py")
    frame = at.dataframe[0].value
    assert list(frame["Views"]) == [1] and list(frame["State"]) == ["active"]
    at.button(key="FormSubmitter:revoke_form-Revoke").click().run()
    assert app_vault.my_shares("local")[0].state(utcnow()) == "revoked"
    at.toggle(key="sharing_switch").set_value(False).run()
    assert app_vault.sharing_enabled() is False


def test_history_filters_by_marks_from_the_url_and_searches_notes(open_app, app_vault):
    one, two = (app_vault.wait(app_vault.start(GenerationRequest(p, "offline"), "local"), timeout=20)
                for p in ("first one", "second one"))
    app_vault.annotate(one.id, "local", None, add_tags=["x"], starred=True)
    app_vault.annotate(two.id, "local", None, add_tags=["x"], note="remember the alamo", rating="down")
    ids = lambda at, key: list(at.dataframe(key=key).value["Id"])  # noqa: E731
    assert ids(open_app("pages/history.py", tag="x"), "marked_table") == [two.id, one.id]
    assert ids(open_app("pages/history.py", tag="x", starred="true"), "marked_table") == [one.id]
    assert ids(open_app("pages/history.py", rating="down"), "marked_table") == [two.id]
    assert ids(open_app("pages/history.py", has_note="true", q="alamo"), "marked_table") == [two.id]
    assert ids(open_app("pages/history.py", q="alamo"), "note_matches_table") == [two.id]


def test_costs_are_broken_down_by_tag(open_app, app_vault):
    gens = [app_vault.wait(app_vault.start(GenerationRequest(p, "offline"), "local"), timeout=20)
            for p in ("tagged a", "tagged b", "untagged")]
    app_vault.annotate(gens[0].id, "local", None, add_tags=["project x"])
    app_vault.annotate(gens[1].id, "local", None, add_tags=["project x", "other"])
    at = open_app("pages/costs.py")
    frame = at.dataframe[-1].value  # (a plain st.dataframe's key is not in AppTest's tree)
    assert list(frame["Tag"]) == ["project x", "other"] and list(frame["Generations"]) == [2, 1]


def test_an_expired_link_says_so(open_app, app_vault):
    from dataclasses import replace
    from datetime import timedelta

    from genlib.marks import token_hash

    gen, link = _shared(app_vault, expires="1d")
    old = replace(link, id="expired-link", expires_utc=utcnow() - timedelta(minutes=1), token=None)
    app_vault.shares.create(old, token_hash("an-expired-token-of-32-characters"))
    text = page_text(open_app(login="", share="an-expired-token-of-32-characters"))
    assert "This link has expired" in text and "What is shared?" not in text
