"""The load scenario: N generations streaming at once through the app, M browser-like readers
polling them, and history/costs pages opened in a loop, every script run timed.

Writers submit the Generate form; readers open `/generate?id=` and rerun its polling fragment every
0.5 s (what the browser's timer does), moving to another generation when theirs ends; two more
sessions keep opening History (with a search) and Costs. Returns the latencies by kind of run.
"""
from __future__ import annotations

import random
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from tests.reliability.stclient import StreamlitClient, submit_button, text_area

POLL_S = 0.5


class Timings:
    def __init__(self):
        self._lock, self.runs = threading.Lock(), {}
        self.errors: list[str] = []

    def add(self, kind: str, run) -> None:
        with self._lock:
            self.runs.setdefault(kind, []).append(run.seconds)
            if run.exceptions:
                self.errors.append(f"{kind}: {run.exceptions[0].message}")

    def summary(self) -> dict:
        def pct(values, q):
            ordered = sorted(values)
            return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
        return {kind: {"runs": len(v), "p50_ms": round(1000 * statistics.median(v)),
                       "p95_ms": round(1000 * pct(v, 0.95)), "max_ms": round(1000 * max(v))}
                for kind, v in sorted(self.runs.items())}


def write(url: str, prompts: list[str], ids: dict, timings: Timings) -> None:
    with StreamlitClient(url) as client:
        for prompt in prompts:
            form = client.open("generate")
            timings.add("open Generate form", form)
            done = client.rerun([text_area(form, "Prompt", prompt), submit_button(form, "Generate")])
            timings.add("submit (saved, page moves to ?id=)", done)
            ids[prompt] = done.query_string[3:]


def read(url: str, ids: dict, stop: threading.Event, timings: Timings, seed: int) -> None:
    rng = random.Random(seed)
    with StreamlitClient(url) as client:
        while not stop.is_set():
            if not ids:
                time.sleep(0.05)
                continue
            timings.add("open /generate?id= (full run)", client.open("generate", f"id={rng.choice(list(ids.values()))}"))
            while client.polling and not stop.is_set():
                time.sleep(POLL_S)
                timings.add("live fragment poll", client.poll())
            time.sleep(POLL_S)  # a person reads the finished answer before opening another


def browse(url: str, stop: threading.Event, timings: Timings) -> None:
    with StreamlitClient(url) as client:
        while not stop.is_set():
            timings.add("History page (search)", client.open("history", "q=load"))
            timings.add("Costs page", client.open("costs"))
            time.sleep(0.5)


def run_load(url: str, prompts: list[str], writers: int, readers: int, until_done) -> tuple[dict, Timings]:
    """Drive the app; `until_done(ids)` blocks until every generation has ended."""
    ids, timings, stop = {}, Timings(), threading.Event()
    shares = [prompts[i::writers] for i in range(writers)]
    with ThreadPoolExecutor(writers + readers + 1) as pool:
        background = [pool.submit(read, url, ids, stop, timings, i) for i in range(readers)]
        background.append(pool.submit(browse, url, stop, timings))
        for future in [pool.submit(write, url, share, ids, timings) for share in shares]:
            future.result()
        try:
            until_done(ids)
        finally:
            stop.set()
        for future in background:
            future.result()
    return ids, timings
