"""The live view as a user sees it: Chromium against `streamlit run app.py` (issue 15, item 1).

A probe in the page samples the live answer's text at every animation frame (a paint
opportunity) and records each change: the first one after the click on Generate is the first
visible token (`ui_first_token_ms_p50`, from the click), compared with the record's own time to
first token (`ui_first_token_over_ttft_ms_p50`); the changes per second while tokens flow are
`ui_updates_per_s`, in the tab that started the generation and in a second tab following it
(the key is the lower of the two). Then `ui_followers` more tabs follow one long generation and
the server process's CPU time (/proc, user + system) is compared with and without them:
`ui_cpu_per_follower_pct` is one follower's share of a core.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from tests.apphealth import stop, wait_healthy

from .server import prompt
from .stats import p50, rnd, summary

ROOT = Path(__file__).resolve().parent.parent
KEYS = ("ui_first_token_ms_p50", "ui_first_token_over_ttft_ms_p50", "ui_updates_per_s", "ui_cpu_per_follower_pct")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
# Samples the live answer at every frame; `t0` is the last pointerdown (the click on Generate).
PROBE = """
window.__gv = {t0: null, samples: []};
document.addEventListener('pointerdown', () => { window.__gv.t0 = performance.now(); window.__gv.samples = []; }, true);
(function frame() {
  const root = document.querySelector('.gv-live');
  if (root) {
    const n = root.textContent.length;
    const s = window.__gv.samples;
    if (s.length ? n !== s[s.length - 1][1] : n > 0) s.push([performance.now(), n]);
  }
  requestAnimationFrame(frame);
})();
"""


def ui_live(base_url: str, sizes) -> dict:
    """The four keys, or raises (the runner records the error and nulls them)."""
    if not sizes.ui_trials:  # the tiny run: starting the app and Chromium would take most of it
        return {**{key: None for key in KEYS},
                "details": {"ui_live": {"reason": f"not measured in the {sizes.name} run"}}}
    from playwright.sync_api import sync_playwright

    if shutil.which("chromium") is None:
        raise RuntimeError("Debian's chromium is not installed (make chromium)")
    with app_process(base_url) as (url, pid), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS)
        try:
            trials = [_trial(browser, url, i, sizes) for i in range(sizes.ui_trials + 1)][1:]  # first: warm-up
            cpu = _followers(browser, url, pid, sizes)
        finally:
            browser.close()
    first = [t["first_ms"] for t in trials]
    over = [t["first_ms"] - t["ttft_ms"] for t in trials]
    starter = [t["starter_per_s"] for t in trials]
    follower = [t["follower_per_s"] for t in trials]
    rate = min(p50(starter), p50(follower))
    return {"ui_first_token_ms_p50": rnd(p50(first), 1), "ui_first_token_over_ttft_ms_p50": rnd(p50(over), 1),
            "ui_updates_per_s": rnd(rate, 1), "ui_cpu_per_follower_pct": cpu["per_follower_pct"],
            "details": {"ui_live": {"first_visible_ms": summary(first, 1), "over_ttft_ms": summary(over, 1),
                                    "record_ttft_ms": summary([t["ttft_ms"] for t in trials], 1),
                                    "starter_updates_per_s": summary(starter, 1),
                                    "follower_updates_per_s": summary(follower, 1),
                                    "tokens": sizes.ui_tokens, "token_delay_s": UI_DELAY_S, "cpu": cpu}}}


UI_DELAY_S = 0.02  # 50 tokens a second: faster than the view's 20 updates a second


def _trial(browser, url: str, n: int, sizes) -> dict:
    starter, follower = _page(browser), _page(browser)
    try:
        _goto(starter, url + "/generate")
        starter.get_by_label("Prompt", exact=True).fill(prompt(sizes.ui_tokens, UI_DELAY_S, f"ui-{n}-{time.time()}"))
        starter.get_by_role("button", name="Generate").click()
        starter.wait_for_url("**/generate?id=*")
        gen_id = starter.url.rsplit("id=", 1)[1]
        # the follower opens once the starter shows text: its page load must not slow the first paint
        starter.wait_for_function("() => window.__gv.samples.length > 0")
        _goto(follower, starter.url)
        for page in (starter, follower):
            page.locator(".gv-live").wait_for(state="detached", timeout=120_000)  # the finished view
        start_samples = _samples(starter)
        record = starter.request.get(f"{url}/files/record/{gen_id}.json").json()
        return {"first_ms": start_samples["first"] - start_samples["t0"], "ttft_ms": _ttft_ms(record),
                "starter_per_s": _rate(start_samples["samples"]), "follower_per_s": _rate(_samples(follower)["samples"])}
    finally:
        starter.context.close()
        follower.context.close()


def _followers(browser, url: str, pid: int, sizes) -> dict:
    """Server CPU over a window with only the starter, then with `ui_followers` more tabs."""
    starter = _page(browser)
    pages = []
    try:
        _goto(starter, url + "/generate")
        starter.get_by_label("Prompt", exact=True).fill(prompt(sizes.ui_follow_tokens, UI_DELAY_S, f"cpu-{time.time()}"))
        starter.get_by_role("button", name="Generate").click()
        starter.wait_for_url("**/generate?id=*")
        starter.wait_for_function("() => window.__gv.samples.length > 5")
        alone = _cpu_over(pid, sizes.ui_cpu_window_s)
        for _ in range(sizes.ui_followers):
            page = _page(browser)
            _goto(page, starter.url)
            pages.append(page)
        for page in pages:
            page.wait_for_function("() => window.__gv.samples.length > 5")
        followed = _cpu_over(pid, sizes.ui_cpu_window_s)
        still_live = starter.locator(".gv-live").count() == 1
        rates = [_rate(_samples(page)["samples"]) for page in pages]
        starter.get_by_role("button", name="Stop").click()
    finally:
        for page in [starter, *pages]:
            page.context.close()
    per = (followed - alone) / max(1, sizes.ui_followers)
    return {"followers": sizes.ui_followers, "window_s": sizes.ui_cpu_window_s,
            "server_cpu_pct_starter_only": rnd(alone, 1), "server_cpu_pct_with_followers": rnd(followed, 1),
            "per_follower_pct": rnd(per, 2), "projected_20_viewers_pct": rnd(alone + 20 * per, 1),
            "followers_updates_per_s": summary(rates, 1), "stream_outlasted_window": still_live}


def _cpu_over(pid: int, seconds: float) -> float:
    """The process's CPU time over `seconds` of wall time, in % of one core."""
    before, start = _cpu_s(pid), time.monotonic()
    time.sleep(seconds)
    return 100.0 * (_cpu_s(pid) - before) / (time.monotonic() - start)


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    context.add_init_script(PROBE)
    return context.new_page()


def _goto(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.locator("[data-testid='stMain'] [data-testid='stElementContainer']").first.wait_for()
    page.locator(IDLE).wait_for()


def _samples(page) -> dict:
    data = page.evaluate("window.__gv")
    samples = data["samples"]
    return {"t0": data["t0"], "first": samples[0][0] if samples else None, "samples": samples}


def _rate(samples: list) -> float:
    """Visible changes per second between the first and the last."""
    if len(samples) < 2:
        return 0.0
    return (len(samples) - 1) / ((samples[-1][0] - samples[0][0]) / 1000.0)


def _ttft_ms(record: dict) -> float:
    sent, first = (datetime.fromisoformat(record[k]) for k in ("request_sent_utc", "first_token_utc"))
    return (first - sent).total_seconds() * 1000.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def app_process(base_url: str):
    """`streamlit run app.py` on a free port with a temp data dir, talking to the bench server."""
    tmp = Path(tempfile.mkdtemp(prefix="genvault-bench-ui-"))
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENLIB_", "OPENAI_", "STREAMLIT_"))}
    env.update(GENLIB_DATA_DIR=str(tmp / "data"), OPENAI_BASE_URL=base_url, OPENAI_API_KEY="bench",
               GENLIB_MODELS="gpt-4o-mini", PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless",
           "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    log = open(tmp / "streamlit.log", "wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, lambda: (tmp / "streamlit.log").read_text(errors="replace"))
        yield url, proc.pid
    finally:
        stop(proc)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)
