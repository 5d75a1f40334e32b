"""Retention (issue 14): the policy in the budgets, prune (dry and real, idempotent, per user), a
user deleting their own generation, tombstones, and the books unchanged by all of it."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest

from genlib import BadRequest, GenerationRequest, IMAGE, NotFound
from genlib.retention.daily import DailyPrune
from genlib.retention.policy import RetentionPolicy, parse_retention
from genlib.retention.prune import prune
from genlib.settingsedit import validate
from tests.budget_helpers import seed_spend, write_budgets

NOW = datetime(2026, 12, 1, 12, 0)


def days_ago(n: float) -> datetime:
    return datetime.utcnow() - timedelta(days=n)


def books(vault):
    costs = vault.costs()
    return costs.totals, costs.by_day_model.to_dict("records"), costs.by_user.to_dict("records")


@pytest.mark.parametrize("text, policy", [
    ("", RetentionPolicy()),
    ("[retention]\ndays = 30\n", RetentionPolicy(30)),
    ('[retention]\ndays = 30\n[retention.users."Ana@X.org"]\ndays = 400\n', RetentionPolicy(30, {"ana@x.org": 400})),
    ('[retention.users."bob"]\ndays = 7\n', RetentionPolicy(None, {"bob": 7})),
    ("[retention]\ndays = 9\nkeep_marked = false\n", RetentionPolicy(9, keep_marked=False)),
    ('[retention.tags." Scratch  Work"]\ndays = 7\n', RetentionPolicy(tags={"scratch work": 7})),
])
def test_the_policy_is_read_from_the_budgets_document(text, policy):
    import tomllib
    assert parse_retention(tomllib.loads(text)) == policy
    validate("budgets", text)


@pytest.mark.parametrize("text, problem", [
    ("[retention]\ndays = 0\n", "retention.days must be a whole number of days"),
    ('[retention]\ndays = "30"\n', "retention.days must be"),
    ("[retention]\nday = 30\n", "unknown key(s) day"),
    ('[retention.users."a"]\nkeep = true\n', "unknown key(s) keep"),
    ("[retention]\nusers = 3\n", "must be a table of tables"),
    ('[retention]\nkeep_marked = "no"\n', "keep_marked must be true or false"),
    ('[retention.tags."x"]\nday = 3\n', "unknown key(s) day"),
    ('[retention.tags."x"]\ndays = -1\n', 'retention.tags."x".days must be'),
    ('[retention.tags."A"]\ndays = 1\n[retention.tags."a"]\ndays = 2\n', "lists a tag twice"),
    ("[retention]\ntags = 3\n", "tags] must be a table of tables"),
])
def test_a_wrong_policy_is_refused_with_the_problem_named(text, problem):
    with pytest.raises(BadRequest, match=problem.replace("(", r"\(").replace(")", r"\)")):
        validate("budgets", text)


def test_cutoffs_per_user_and_the_newest_one():
    policy = RetentionPolicy(30, {"ana": 400, "bob": 7})
    assert policy.cutoff_for("ANA ", NOW) == NOW - timedelta(days=400)
    assert policy.cutoff_for("carl", NOW) == NOW - timedelta(days=30)
    assert policy.newest_cutoff(NOW) == NOW - timedelta(days=7)
    assert RetentionPolicy().newest_cutoff(NOW) is None and not RetentionPolicy().active


def test_prune_dry_run_counts_then_prune_deletes_and_the_books_are_unchanged(vault):
    old = [seed_spend(vault, "ana", "0.5", days_ago(40 + i), prompt=f"old {i}") for i in range(3)]
    new = seed_spend(vault, "ana", "0.25", days_ago(1), prompt="new one")
    write_budgets(vault, "[retention]\ndays = 30\n")
    before = books(vault)
    dry = vault.prune(dry_run=True)
    assert (dry.count, dry.dry_run, dry.bytes) == (3, True, 3 * len("old 0"))
    assert dry.oldest < dry.newest < days_ago(39)
    assert all(vault.tombstone(gen_id) is None for gen_id in old)
    done = vault.prune()
    assert done.count == 3 and books(vault) == before
    assert all("retention policy" in vault.deleted_sentence(vault.tombstone(gen_id)) for gen_id in old)
    assert vault.tombstone(new) is None and vault.get(new).prompt == "new one"
    assert [g.id for g in vault.search().items] == [new]
    assert vault.prune().count == 0 and books(vault) == before  # idempotent


def test_a_per_user_policy_keeps_others_longer_or_prunes_only_the_users_named(vault):
    ana, bob = seed_spend(vault, "ana", "1", days_ago(20)), seed_spend(vault, "bob", "1", days_ago(20))
    write_budgets(vault, '[retention]\ndays = 365\n[retention.users."bob"]\ndays = 10\n')
    assert vault.prune().count == 1
    assert vault.tombstone(bob) is not None and vault.tombstone(ana) is None


def test_a_tags_period_wins_over_the_users_and_the_longest_tag_wins(vault):
    scratch, both, plain = (seed_spend(vault, "ana", "1", days_ago(20), prompt=p) for p in ("s", "b", "p"))
    vault.annotate(scratch, "ana", add_tags=["Scratch"])
    vault.annotate(both, "ana", add_tags=["scratch", "keep-a-year"])
    old_plain = seed_spend(vault, "ana", "1", days_ago(100), prompt="old")
    write_budgets(vault, '[retention]\ndays = 90\n[retention.tags."scratch"]\ndays = 10\n'
                         '[retention.tags."keep-a-year"]\ndays = 365\n')
    report = vault.prune()
    assert report.count == 2 and vault.tombstone(scratch) and vault.tombstone(old_plain)
    assert vault.tombstone(both) is None and vault.tombstone(plain) is None
    assert RetentionPolicy(30, {"ana": 400}, tags={"t": 5}).cutoff_for("ana", NOW, ("t",)) == NOW - timedelta(days=5)


def test_protected_generations_are_kept(vault, monkeypatch):
    kept = seed_spend(vault, "ana", "1", days_ago(50))
    gone = seed_spend(vault, "ana", "1", days_ago(50))
    monkeypatch.setattr(vault.store, "protected_ids", lambda ids: {kept} & set(ids))
    write_budgets(vault, "[retention]\ndays = 30\n")
    report = vault.prune()
    assert (report.count, report.kept) == (1, 1) and vault.tombstone(kept) is None and vault.tombstone(gone)
    write_budgets(vault, "[retention]\ndays = 30\nkeep_marked = false\n")  # the policy says otherwise
    assert (vault.prune().count, vault.tombstone(kept) is not None) == (1, True)


def test_pictures_of_pruned_generations_are_deleted_and_their_dedup_key_forgotten(vault, fake):
    request = GenerationRequest("a red square", "gpt-image-1", kind=IMAGE)
    gen = vault.wait(vault.start(request, "ana"), timeout=20)
    files = [vault.images.local_path(p[k]) for p in gen.images for k in ("path", "thumb")]
    assert files and all(f.is_file() for f in files)
    report = prune(vault.store, vault.images, vault.cache, RetentionPolicy(1), vault.users.budget_name,
                   now=datetime.utcnow() + timedelta(days=2))
    assert (report.count, report.images) == (1, 1)
    assert not any(f.exists() for f in files) and vault.store.unswept(10) == []
    again = vault.wait(vault.start(request, "ana"), timeout=20)
    assert again.id != gen.id and again.cached_from is None and fake.calls("images") == 2


def test_a_user_deletes_their_own_generation_not_someone_elses(vault, fake):
    fake.enqueue(text="secret answer")
    gen = vault.wait(vault.start(GenerationRequest("mine", "gpt-4o-mini"), "ana"), timeout=20)
    before = books(vault)
    with pytest.raises(NotFound):
        vault.delete(gen.id, user_id="bob")
    assert vault.tombstone(gen.id) is None
    tomb = vault.delete(gen.id, user_id="ana")
    assert vault.deleted_sentence(tomb).endswith("by ana.") and books(vault) == before
    assert vault.tombstone(gen.id, "bob") is None and vault.tombstone(gen.id, "ana") == tomb
    assert vault.get(gen.id).result_text == "" and vault.search().items == []
    assert vault.delete(gen.id).reason == "deleted"  # an admin, again: the same tombstone
    with pytest.raises(NotFound):
        vault.delete("not-an-id")


def test_a_running_generation_is_not_deleted(vault, fake):
    fake.enqueue(text="slow " * 50, delay=0.02)
    gen_id = vault.start(GenerationRequest("slow", "gpt-4o-mini"), "ana")
    with pytest.raises(BadRequest, match="still running"):
        vault.delete(gen_id, "ana")
    vault.wait(gen_id, timeout=30)


def test_the_daily_prune_runs_when_due_and_stops_at_once():
    runs = []
    daily = DailyPrune(lambda: runs.append(1), every_s=0.05, first_after_s=0.01).start()
    while len(runs) < 2:
        time.sleep(0.01)
    daily.stop()
    assert not daily._thread.is_alive()


def test_the_vault_prunes_daily_only_with_a_policy(vault, monkeypatch):
    calls = []
    monkeypatch.setattr(type(vault), "prune", lambda self, dry_run=False: calls.append(dry_run))
    vault._daily_prune()
    write_budgets(vault, "[retention]\ndays = 30\n")
    vault._daily_prune()
    assert calls == [False]


def test_a_burial_whose_pictures_a_crash_left_behind_is_finished_by_the_next_prune(vault):
    gen = vault.wait(vault.start(GenerationRequest("a blue square", "gpt-image-1", kind=IMAGE), "ana"), timeout=20)
    files = [vault.images.local_path(p[k]) for p in gen.images for k in ("path", "thumb")]
    vault.store.bury([gen.id], None, "retention")  # committed; the process dies before deleting files
    assert all(f.is_file() for f in files) and [i for i, _ in vault.store.unswept(10)] == [gen.id]
    write_budgets(vault, "[retention]\ndays = 3650\n")
    assert vault.prune().count == 0
    assert not any(f.exists() for f in files) and vault.store.unswept(10) == []


def test_a_compacting_prune_shrinks_the_database_file_and_the_vault_keeps_working(vault, fake):
    import secrets

    import pandas as pd
    from genlib import new_id

    # ~60 kB of text per row: the data must outweigh an emptied file's own blocks (~10 of 256 kB: one
    # table or index each) many times over, or "half the size" depends on how DuckDB rounds to blocks.
    rows = [dict(id=new_id(), kind="text", user_id="ana", model_requested="m", model_used="m", prompt="p",
                 status="complete", result_text=secrets.token_hex(30_000), created_utc=days_ago(60), cost_usd=1) for _ in range(300)]
    vault.store.bulk_append(pd.DataFrame(rows))
    vault.store.reclaim()
    before, totals = vault.settings.db_path.stat().st_size, vault.costs().totals
    write_budgets(vault, "[retention]\ndays = 30\n")
    assert vault.prune(compact=True).count == 300
    assert vault.settings.db_path.stat().st_size < before / 2
    assert vault.costs().totals == totals and vault.tombstone(rows[0]["id"]) is not None
    fake.enqueue(text="still here")
    gen = vault.wait(vault.start(GenerationRequest("after the rewrite", "gpt-4o-mini"), "ana"), timeout=20)
    assert vault.get(gen.id).result_text == "still here" and [g.id for g in vault.search().items] == [gen.id]
