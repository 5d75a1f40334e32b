"""AppTest: the Generate page — form, submit-then-redirect, live view, dedup, errors, not found."""
from __future__ import annotations

import pytest

from genlib import GenerationRequest, StorageUnavailable
from tests.apptext import errors

PROMPT = "Write three tips for SQL ![x](http://evil.example/x.png) <img src=http://evil.example/y.png>"


def texts(at) -> str:
    """Everything drawn as text, for "does the page say X" checks."""
    parts = [e.value for kind in ("markdown", "html", "caption", "error", "warning", "info", "title", "subheader")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def submit(at, prompt: str):
    at.text_area(key="prompt").input(prompt)
    return at.button(key="FormSubmitter:generate_form-Generate").click().run()


def finished(at, app_vault):
    app_vault.wait(at.query_params["id"], timeout=20)
    return at.run()


def test_form_has_the_labelled_controls_and_offline_banner(open_app):
    at = open_app()
    assert not at.exception
    assert [r.label for r in at.radio] == ["Output"] and at.radio[0].options == ["Text", "Image"]
    assert at.selectbox(key="model_text").label == "Model"
    assert at.selectbox(key="model_text").options[0] == "offline-demo"
    assert at.text_area(key="prompt").label == "Prompt"
    assert at.expander[0].label == "Options"
    assert {w.label for w in at.number_input} == {"Temperature", "Max tokens"}
    assert "offline demo model" in texts(at) and "OPENAI_API_KEY" in texts(at)
    assert "Estimated cost: $0 – $0" in texts(at)


def test_submit_saves_then_the_url_holds_the_id_and_the_answer_is_shown_safely(open_app, app_vault):
    at = submit(open_app(), PROMPT)
    gen_id = at.query_params["id"]
    gen = app_vault.get(gen_id)
    assert gen is not None and gen.user_id == "local" and gen.prompt == PROMPT
    assert at.title[0].value == "Generation"
    at = finished(at, app_vault)
    shown = texts(at)
    assert "complete" in shown and "Offline demo answer" in shown
    assert "![" not in shown and "<img" not in shown  # nothing the browser would fetch by itself
    details = dict(at.dataframe[0].value.values)
    assert details["Cost"] == "$0" and details["Model asked"] == "offline-demo"
    assert details["User"] == "local" and details["Id"] == gen_id
    assert {b.label for b in at.button} >= {"Regenerate", "Continue"}
    assert at.code[0].value == app_vault.get(gen_id).result_text.strip()  # st.code trims the end


def test_root_url_with_id_forwards_to_the_generation(open_app, app_vault):
    gen_id = app_vault.start(GenerationRequest("forward me", "offline-demo"), "local")
    app_vault.wait(gen_id, timeout=20)
    at = open_app(id=gen_id)
    assert at.query_params["id"] == gen_id and at.title[0].value == "Generation"
    assert "forward me" in texts(at)


def test_empty_prompt_shows_the_reason_and_keeps_the_typed_text(open_app, app_vault):
    at = submit(open_app(), "   ")
    assert "empty" in at.error[0].value
    assert at.text_area(key="prompt").value == "   " and "id" not in at.query_params
    assert app_vault.search().items == []


@pytest.mark.parametrize("bad_id", ["AAAAAAAAAAAAAAAAAAAAA", "abc", "' OR 1=1 --", "x'; DROP TABLE generations;--",
                                    "../../etc/passwd", "images/../../genvault", "a/b\\c", "%00", ""])
def test_unknown_or_malformed_ids_say_not_found(open_app, bad_id):
    at = open_app(id=bad_id)
    assert not at.exception
    assert [t.value for t in at.title] == ["Generation not found"] and not at.error
    assert {link.label for link in at.get("page_link")} >= {"New generation", "Back to history"}


def test_identical_request_is_a_cache_hit_and_regenerate_forces_a_new_call(open_app, app_vault):
    first = finished(submit(open_app(), "dedup me"), app_vault).query_params["id"]
    at = submit(open_app(), "dedup me")
    hit = app_vault.get(at.query_params["id"])
    assert hit.cached_from == first and hit.status == "complete"
    shown = texts(at)
    assert "Served from the cache" in shown and "old" in shown
    assert any(link.label == "Open the original generation" for link in at.get("page_link"))
    at.button(key="regenerate").click().run()
    fresh = app_vault.wait(at.query_params["id"], timeout=20)
    assert fresh.id not in (first, hit.id)
    assert fresh.cached_from is None and fresh.regenerated_from == hit.id


def test_live_view_polls_and_stop_keeps_the_partial_text(open_app, app_vault, monkeypatch):
    monkeypatch.setenv("GENLIB_OFFLINE_TPS", "20")
    import streamlit as st
    st.cache_resource.clear()  # the Vault reads the pace when it is made
    from ui.vault import get_vault
    vault = get_vault()
    at = submit(open_app(), "tell me a long story about databases")
    gen_id = at.query_params["id"]
    assert at.button(key="stop").label == "Stop"
    assert any(s in texts(at) for s in ("pending", "streaming"))
    at.button(key="stop").click().run()
    gen = vault.wait(gen_id, timeout=20)
    assert gen.status == "cancelled"
    at.run()
    assert "cancelled" in texts(at) and "Stopped before the end" in texts(at)
    assert not [b for b in at.button if b.key == "stop"]


def test_continue_makes_a_linked_turn_shown_under_the_thread(open_app, app_vault):
    at = finished(submit(open_app(), "first question"), app_vault)
    first = at.query_params["id"]
    at.text_area(key="follow_up").input("and a follow-up?")
    at.button(key="FormSubmitter:continue_form-Continue").click().run()
    second = app_vault.wait(at.query_params["id"], timeout=20)
    assert second.parent_id == first and second.prompt == "and a follow-up?"
    at.run()
    assert at.expander[0].label.startswith("Conversation so far (1 earlier turn")
    assert "first question" in texts(at)


def test_provider_error_shows_the_message_and_retry_works(open_app, app_vault, fake_provider, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_provider.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    import streamlit as st
    st.cache_resource.clear()
    from ui.vault import get_vault
    vault = get_vault()
    fake_provider.enqueue(status=401)
    at = open_app()
    at.selectbox(key="model_text").set_value("gpt-4o-mini").run()
    at = submit(at, "this will fail")
    failed = vault.wait(at.query_params["id"], timeout=20)
    assert failed.status == "error"
    at.run()
    assert any("API key" in e.value or "401" in e.value for e in at.error)
    at.button(key="retry").click().run()
    retried = vault.wait(at.query_params["id"], timeout=20)
    assert retried.status == "complete" and retried.regenerated_from == failed.id


def test_storage_errors_and_surprises_are_messages_not_tracebacks(open_app, app_vault, monkeypatch):
    def refuse(*args, **kwargs):
        raise StorageUnavailable("The data dir can't be written: nothing was sent to the provider.")
    monkeypatch.setattr(type(app_vault), "start", refuse)
    at = submit(open_app(), "hello")
    assert not at.exception and "can't be written" in errors(at)[0]
    assert at.text_area(key="prompt").value == "hello"

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")
    monkeypatch.setattr(type(app_vault), "get", boom)
    at = open_app(id="AAAAAAAAAAAAAAAAAAAAA")
    assert not at.exception
    assert "Something went wrong" in at.error[0].value and "secret internals" not in texts(at)


def test_new_generation_keeps_settings_and_edit_and_rerun_fills_the_form(open_app, app_vault):
    at = open_app()
    at.text_area(key="system_prompt").input("Be brief.")
    at.number_input(key="temperature").set_value(0.7)
    at = finished(submit(at, "first version"), app_vault)
    at.button(key="new_generation").click().run()
    assert "id" not in at.query_params and at.text_area(key="prompt").value == ""
    assert at.text_area(key="system_prompt").value == "Be brief." and at.number_input(key="temperature").value == 0.7
    # a stored integer temperature (from the API or an old record) fills the float input
    old = app_vault.wait(app_vault.start(GenerationRequest("older", "offline-demo", params={"temperature": 1,
                                                                                             "max_tokens": 50}),
                                         "local"), timeout=20)
    at = open_app(id=old.id)
    at.button(key="edit_rerun").click().run()
    assert "id" not in at.query_params and at.text_area(key="prompt").value == "older"
    assert at.number_input(key="temperature").value == 1.0 and at.number_input(key="max_tokens").value == 50
    assert not at.exception


def test_regenerate_with_other_parameters_starts_a_linked_generation(open_app, app_vault):
    at = finished(submit(open_app(), "tune me"), app_vault)
    first = at.query_params["id"]
    at.number_input(key=f"regen_max_tokens_{first}").set_value(7)
    at.button(key="regenerate_with").click().run()
    fresh = app_vault.wait(at.query_params["id"], timeout=20)
    assert fresh.id != first and fresh.regenerated_from == first and fresh.params == {"max_tokens": 7}
