"""Two real `streamlit run app.py` replicas over one PostgreSQL schema, Redis prefix and moto S3
bucket, driven by Chromium (issue 11, points 1-3): a browser on replica B follows and stops a
generation streaming on replica A; A killed with kill -9 mid-stream is marked interrupted by B once
its lease runs out, partial text kept; identical requests on A and B at once make one provider call.
Counts and states, not timings (the follow lag is measured by bench/postgres.py)."""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import App, answer, flat, goto, no_traceback, status, submit, wait_finished, wait_idle
from tests.browser.replicaapps import kill_9, replicas

pytestmark = pytest.mark.browser
LEASE_S = 30  # the replicas' lease (genlib's default): a dead replica is presumed dead only after it
TEXT = " ".join(f"word{i}" for i in range(400))
LIVE_TEXT = "() => { const r = document.querySelector('.gv-live'); return r ? r.innerText.trim() : ''; }"


@pytest.fixture
def team(team_env, tmp_path, fake):
    with replicas(team_env, fake, tmp_path) as (procs, urls):
        yield procs, [App(url, tmp_path / f"replica{i}", tmp_path / f"replica{i}.log") for i, url in enumerate(urls)]


def live_text(page) -> str:
    return page.evaluate(LIVE_TEXT)


def grows(page, times: int = 3, limit_s: float = 60) -> list[str]:
    """Poll the live answer until it has changed `times` times (page.wait_for_function fails under the CSP)."""
    seen, deadline = [], time.monotonic() + limit_s
    while len(seen) <= times:
        assert time.monotonic() < deadline, f"the live answer did not grow: {seen}"
        text = live_text(page)
        if text and (not seen or text != seen[-1]):
            seen.append(text)
        time.sleep(0.1)
    return seen


def test_a_browser_on_b_follows_and_stops_a_generation_streaming_on_a(team, fake, new_context):
    _, (a, b) = team
    fake.enqueue(text=TEXT, chunks=200, delay=0.2)  # about 40 s unless stopped
    on_a = new_context().new_page()
    gen_id = submit(on_a, a, "Stream four hundred words for a follower on the other replica.")
    on_b = new_context().new_page()
    goto(on_b, b.at(f"/generate?id={gen_id}"))
    expect(status(on_b)).to_have_text(re.compile(r"\bstreaming$"))
    seen = grows(on_b)
    assert len(seen[-1]) > len(seen[0])  # B saw the text grow while A streamed it
    on_b.get_by_role("button", name="Stop").click()
    wait_finished(on_b, "cancelled")
    wait_finished(on_a, "cancelled")  # stopped where it ran
    kept = flat(answer(on_b).inner_text())
    assert kept.startswith("word0 word1") and len(kept) < len(TEXT), kept[-80:]
    assert flat(answer(on_a).inner_text()) == kept  # the same partial on both replicas
    for page in (on_a, on_b):  # reload works on either
        page.reload(wait_until="domcontentloaded")
        wait_idle(page)
        expect(status(page)).to_have_text(re.compile(r"\bcancelled$"))
        assert flat(answer(page).inner_text()) == kept
        no_traceback(page)


def test_a_replica_killed_mid_stream_is_marked_interrupted_by_the_survivor(team, fake, new_context):
    (proc_a, _), (a, b) = team
    fake.enqueue(text=TEXT, chunks=400, delay=0.5)  # far longer than the test: A dies mid-stream
    on_a = new_context().new_page()
    gen_id = submit(on_a, a, "Stream until the replica is killed.")
    on_b = new_context().new_page()
    goto(on_b, b.at(f"/generate?id={gen_id}"))
    grows(on_b)
    kill_9(proc_a)
    killed = time.monotonic()
    expect(status(on_b)).to_have_text(re.compile(r"\binterrupted$"), timeout=(LEASE_S + 30 + 15) * 1000)
    waited = time.monotonic() - killed
    wait_idle(on_b)
    kept = flat(answer(on_b).inner_text())
    assert kept.startswith("word0 word1") and len(kept) < len(TEXT), kept[-80:]  # partial text kept
    print(f"marked interrupted {waited:.1f} s after kill -9 (lease {LEASE_S} s)")
    on_b.reload(wait_until="domcontentloaded")
    wait_idle(on_b)
    expect(status(on_b)).to_have_text(re.compile(r"\binterrupted$"))
    assert flat(answer(on_b).inner_text()) == kept
    no_traceback(on_b)


def fill(page, app: App, prompt: str) -> None:
    goto(page, app.at("/generate"))
    page.get_by_label("Prompt", exact=True).fill(prompt)


def test_identical_requests_on_both_replicas_make_one_provider_call(team, fake, new_context):
    _, (a, b) = team
    fake.enqueue(text="One answer for both replicas.", chunks=20, delay=0.2)  # in flight for ~4 s
    before = fake.calls("chat")
    prompt = "The same question, asked on two replicas at once."
    on_a, on_b = new_context().new_page(), new_context().new_page()
    fill(on_a, a, prompt)
    fill(on_b, b, prompt)
    on_a.get_by_role("button", name="Generate").click()
    on_b.get_by_role("button", name="Generate").click()
    ids = []
    for page in (on_a, on_b):
        expect(page).to_have_url(re.compile(r"/generate\?id="))
        wait_finished(page)
        assert flat(answer(page).inner_text()) == "One answer for both replicas."
        ids.append(page.url.rsplit("=", 1)[1])
        no_traceback(page)
    assert ids[0] != ids[1]  # each its own record
    assert fake.calls("chat") == before + 1  # one provider call between them

    later = new_context().new_page()  # later, on either replica: a cache hit with its own record
    fill(later, b, prompt)
    later.get_by_role("button", name="Generate").click()
    expect(later).to_have_url(re.compile(r"/generate\?id="))
    wait_finished(later)
    assert later.url.rsplit("=", 1)[1] not in ids
    expect(later.get_by_text("Served from the cache", exact=False)).to_be_visible()
    assert fake.calls("chat") == before + 1
    no_traceback(later)


def test_twenty_starts_over_two_replicas_against_a_budget_that_fits_five(team_env, tmp_path, fake, new_context):
    worst = (1000 * 0.6 + 40 * 0.15) / 1_000_000  # gpt-4o-mini, max_tokens 1000, a short prompt
    budgets = tmp_path / "budgets.toml"
    budgets.write_text(f"default_max_tokens = 1000\n[default_user]\ndaily_usd = {worst * 5.5:.8f}\n")
    # each answer bills its whole reservation, so a finished one frees nothing for a later start
    fake.default.update(hang=1.0, usage={"prompt_tokens": 40, "completion_tokens": 1000})
    try:
        before = fake.calls("chat")
        with replicas(team_env, fake, tmp_path, GENLIB_BUDGETS_FILE=str(budgets)) as (_, apps):
            pages = []
            for i in range(20):
                page = new_context().new_page()
                fill(page, App(apps[i % 2], None, None), f"question number {i:02d}")
                pages.append(page)
            for page in pages:  # as close together as one browser can click
                page.get_by_role("button", name="Generate").click()
            started = refused = 0
            for page in pages:
                wait_idle(page)
                if re.search(r"/generate\?id=", page.url):
                    started += 1
                else:
                    expect(page.locator("[data-testid='stMain']")).to_contain_text("daily budget")
                    refused += 1
                no_traceback(page)
            assert 1 <= started <= 5 and started + refused == 20, (started, refused)
            assert fake.calls("chat") - before <= 5
    finally:
        for key in ("hang", "usage"):
            fake.default.pop(key, None)
