"""AppTest: the Compare page — form and estimate, start, the group's columns, blind pick, not found."""
from __future__ import annotations

from genlib import OFFLINE_MODEL, Panel
from tests.test_app_generate import texts


def test_the_form_estimates_then_starts_a_group_and_the_url_holds_its_id(open_app, app_vault):
    at = open_app("pages/compare.py")
    assert not at.exception and at.title[0].value == "Compare models"
    assert "Type a prompt" in texts(at)
    at.text_area(key="cmp_prompt").input("Name a colour").run()
    assert "Estimated total cost: $0 – $0" in texts(at)
    at = at.button(key="cmp_start").click().run()
    group = app_vault.compare_get(at.query_params["id"])
    assert group is not None and [p.model for p in group.panels] == [OFFLINE_MODEL] * 2
    for gen_id in group.generation_ids:
        app_vault.wait(gen_id, timeout=20)
    at = at.run()
    assert not at.exception and at.title[0].value == "Comparison"
    assert "Which answer is better?" in texts(at)


def test_a_blind_group_hides_names_until_the_pick(open_app, app_vault):
    group_id = app_vault.compare_start("Q", None, [Panel(OFFLINE_MODEL), Panel(OFFLINE_MODEL, {"temperature": 0})],
                                       "local", blind=True)
    for gen_id in app_vault.compare_get(group_id).generation_ids:
        app_vault.wait(gen_id, timeout=20)
    at = open_app("pages/compare.py", id=group_id)
    assert [s.value for s in at.subheader] == ["Model A", "Model B"] and OFFLINE_MODEL not in texts(at)
    at = at.button(key="cmp_pick_1").click().run()
    assert app_vault.compare_get(group_id).pick == "1"
    plain = [s.value.replace("\\", "") for s in at.subheader]  # Markdown-escaped names
    assert at.success[0].value.replace("\\", "").startswith("Picked: " + OFFLINE_MODEL)
    assert plain[:2] == [OFFLINE_MODEL] * 2


def test_an_unknown_or_malformed_group_is_not_found(open_app):
    for value in ("A" * 21, "../../etc"):
        at = open_app("pages/compare.py", id=value)
        assert not at.exception and at.title[0].value == "Comparison not found"


def _seed_pick(app_vault, user: str, models: tuple[str, str], pick: str) -> None:
    from genlib import CompareGroup, new_id, utcnow
    now = utcnow()
    group = CompareGroup(new_id(), user, now, "seeded", None, tuple(Panel(m, {}, new_id()) for m in models))
    app_vault.store.comparisons().create(group)
    app_vault.store.comparisons().pick(group.id, pick, user, now)


def test_the_leaderboard_filters_by_user_for_an_admin_and_shows_only_your_own_picks_otherwise(open_app, app_vault):
    _seed_pick(app_vault, "ana", ("alpha-model", "beta-model"), "0")
    _seed_pick(app_vault, "bob", ("gamma-model", "beta-model"), "tie")
    at = open_app("pages/compare.py")  # single-user mode: the local user sees everything
    board = at.dataframe[0].value
    assert set(board["Model"]) == {"alpha-model", "beta-model", "gamma-model"}
    at = at.text_input(key="cmp_user").input("ana").run()
    board = at.dataframe[0].value
    assert list(board["Model"]) == ["alpha-model", "beta-model"] and list(board["Wins"]) == [1, 0]
    at = open_app("pages/compare.py", login="carol@example.com")  # signed in, not an admin
    assert not at.exception and "No picks in this range yet" in texts(at)
    assert [t for t in at.text_input if t.key == "cmp_user"] == []


def test_a_panels_generation_page_links_back_to_its_comparison(open_app, app_vault):
    group_id = app_vault.compare_start("Q", None, [Panel(OFFLINE_MODEL), Panel(OFFLINE_MODEL, {"temperature": 0})],
                                       "local")
    first = app_vault.compare_get(group_id).generation_ids[0]
    app_vault.wait(first, timeout=20)
    at = open_app("pages/generate.py", id=first)
    links = [link for link in at.get("page_link") if "comparison" in link.proto.label]
    assert len(links) == 1 and "compare" in links[0].proto.page and group_id in links[0].proto.query_string
