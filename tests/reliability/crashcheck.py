"""What must hold after a hard crash, checked against the fake provider's own ledger.

`script_streams` gives each of N prompts its own pace (some finish before the kill, some are
still waiting for their first token, most are mid-stream); `check_recovered` opens the data dir
again (the start-up sweep runs) and asserts every promise of the crash row of docs/RELIABILITY.md.
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

from genlib import COMPLETE, Filters, INTERRUPTED
from tests.reliability.recording import RecordingFake, missing_seconds

LOSS_LIMIT_S = 0.5  # the promise: at most ~0.5 s of streamed text lost to a SIGKILL (flush: 0.2 s)


def words(tag: str, n: int) -> str:
    return "".join(f"{tag}w{j:03d} " for j in range(n))


def script_streams(fake: RecordingFake, prompts: list[str], seed: int) -> None:
    """Every 10th waits 30 s before answering, the next finishes at once, the rest stream 1-16 s."""
    rng = random.Random(seed)
    for i, prompt in enumerate(prompts):
        if i % 10 == 0:
            fake.script(prompt, hang=30.0, text=words(f"g{i}", 5))
        elif i % 10 == 1:
            fake.script(prompt, text=words(f"g{i}", 20), chunks=20, delay=0.001)
        else:
            n = rng.randint(100, 400)
            fake.script(prompt, text=words(f"g{i}", n), chunks=n, delay=rng.uniform(0.01, 0.04))


@dataclass
class Recovery:
    statuses: Counter = field(default_factory=Counter)
    worst_loss_s: float = 0.0
    rows: int = 0


def check_recovered(vault, fake: RecordingFake, started: dict[str, str], moment: float,
                    prefix: str) -> Recovery:
    """Assert the crash promises on a freshly opened vault (prompts of this round start with
    `prefix`); returns what was seen."""
    rows = {g.prompt: g for g in vault.search(Filters(), page=1, page_size=500).items}
    out = Recovery(rows=len(rows))
    for prompt, gen_id in started.items():  # every generation the process reported exists
        assert prompt in rows and rows[prompt].id == gen_id, f"{prompt} ({gen_id}) lost"
    for prompt in (p for p in fake.prompts() if p.startswith(prefix)):  # and every one the provider got
        assert prompt in rows, f"the provider was called for {prompt!r} but no row exists"
    for prompt, gen in rows.items():
        out.statuses[gen.status] += 1
        out.worst_loss_s = max(out.worst_loss_s, _check_row(vault, fake, gen, moment))
    assert out.worst_loss_s <= LOSS_LIMIT_S, f"lost {out.worst_loss_s:.3f} s of streamed text"
    return out


def _check_row(vault, fake: RecordingFake, gen, moment: float) -> float:
    assert gen.status in (COMPLETE, INTERRUPTED), f"{gen.id} left {gen.status}"
    sent = fake.sent(gen.prompt)
    assert sent.startswith(gen.result_text), f"{gen.id}: kept text is not what the provider sent"
    if gen.status == COMPLETE:
        assert gen.result_text == sent and not gen.usage_estimated
    else:
        assert gen.error and gen.finished_utc is not None
        if gen.result_text:  # tokens were billed: estimated, never a silent $0
            assert gen.usage_estimated and gen.output_tokens and gen.cost_usd
    holder = vault.cache.get(gen.dedup_key)  # the dedup cache never points at an unfinished one
    if holder is not None:
        target = vault.store.get(holder)
        assert target is not None and target.status == COMPLETE, f"cache points at {holder}"
    assert gen.status == COMPLETE or holder != gen.id
    return missing_seconds(fake.sent_before(gen.prompt, moment), gen.result_text, moment)


def check_database_opens_clean(vault) -> None:
    """No repair step: the reopened file answers a full scan and takes a checkpoint."""
    scan = vault.store.row_dict("SELECT count(*) AS n, sum(length(result_text)) AS chars, "
                                "(SELECT count(*) FROM generation_chunks) AS chunks FROM generations", [])
    assert scan["n"] > 0 and scan["chunks"] == 0  # the sweep folded every saved chunk into its row
    vault.store.frame("CHECKPOINT", [])
