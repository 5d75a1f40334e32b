"""A replica for the multi-replica tests: a Vault configured from the environment (GENLIB_DATABASE_URL,
GENLIB_REDIS_URL, GENLIB_BLOB_URL, GENLIB_BUDGETS_FILE) that answers JSON commands, one a line, on
stdin; `tests/replicas.py` drives it. argv: data dir, the fake provider's base URL."""
import json
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from genlib import GenerationRequest, GenlibError, Settings, Vault  # noqa: E402

LIVE = ("pending", "streaming")


def request(prompt: str, max_tokens: int | None = 1000) -> GenerationRequest:
    return GenerationRequest(prompt, "gpt-4o-mini", params={"max_tokens": max_tokens} if max_tokens else {})


def start(vault, prompt, user="ana", **params) -> dict:
    try:
        return {"id": vault.start(request(prompt, **params), user)}
    except GenlibError as exc:
        return {"refused": type(exc).__name__, "message": str(exc)}


def start_image(vault, prompt, user="ana") -> dict:
    return {"id": vault.start(GenerationRequest(prompt, "gpt-image-1", kind="image"), user)}


def start_many(vault, prompts, at, user="ana") -> list[dict]:
    """Every prompt from its own thread, all at wall-clock time `at` (so two replicas start together)."""
    out, threads = [None] * len(prompts), []

    def go(i):
        time.sleep(max(0.0, at - time.time()))
        out[i] = start(vault, prompts[i], user)
    for i in range(len(prompts)):
        threads.append(threading.Thread(target=go, args=(i,)))
        threads[-1].start()
    for t in threads:
        t.join(60)
    return out


def follow(vault, gen_id, chars) -> list[int]:
    """The text's length after each piece received, until it holds `chars` characters or ends."""
    lengths, total = [], 0
    for piece in vault.follow(gen_id):
        total += len(piece)
        lengths.append(total)
        if total >= chars:
            break
    return lengths


def wait(vault, gen_id, timeout=60.0) -> dict:
    """The record once ended, whichever replica runs it (another's is read from the database)."""
    deadline = time.monotonic() + timeout
    while True:
        gen = vault.get(gen_id)
        if gen is None or gen.status not in LIVE or time.monotonic() > deadline:
            return record(gen)
        time.sleep(0.1)


def set_limit(vault, user, key, value, expected_version=None) -> dict:
    """The admin form's save on this replica: the new version, or why it was refused."""
    try:
        return {"version": vault.set_budget_limit(user, key, value, expected_version, by="admin@replica").version}
    except GenlibError as exc:
        return {"refused": type(exc).__name__, "message": str(exc)}


def in_force(vault) -> dict:
    """What this replica has in force: each document's version, and the default user's daily limit."""
    daily = vault.budget_config().default_user.daily_usd
    return {"budgets": vault.budgets_file.document.version, "daily_usd": None if daily is None else str(daily),
            "prices": vault.documents.current("prices").version}


def record(gen) -> dict | None:
    return None if gen is None else {"id": gen.id, "status": gen.status, "text": gen.result_text,
                                     "error": gen.error, "cached_from": gen.cached_from}


def main() -> None:
    settings = Settings.from_env(data_dir=Path(sys.argv[1]), base_url=sys.argv[2], api_key="test-key",
                                 flush_interval_s=0.05, max_retries=0, request_timeout_s=20.0)
    vault = Vault(settings)
    ops = {"start": lambda a: start(vault, **a), "start_many": lambda a: start_many(vault, **a),
           "start_image": lambda a: start_image(vault, **a),
           "follow": lambda a: follow(vault, **a), "cancel": lambda a: vault.cancel(**a),
           "wait": lambda a: wait(vault, **a), "get": lambda a: record(vault.get(a["gen_id"])),
           "replica": lambda a: getattr(vault.store, "replica_id", None),
           "set_limit": lambda a: set_limit(vault, **a), "settings": lambda a: in_force(vault),
           "save_settings": lambda a: vault.save_settings(a["name"], a["text"], None, by="admin@replica").version,
           "estimate": lambda a: str((vault.estimate_cost(request("x", 1000)) or (None, None))[1])}
    serve(ops, vault)


def serve(ops: dict, vault) -> None:
    """The protocol `tests/replicas.py` (and bench/pg_replicas.py) speak: "ready", then one JSON
    result per command line until "close"; the Vault is closed, then "closed"."""
    print(json.dumps({"ready": True}), flush=True)
    try:
        for line in sys.stdin:
            command = json.loads(line)
            if command["op"] == "close":
                break
            print(json.dumps({"result": ops[command["op"]](command.get("args", {}))}), flush=True)
    finally:
        vault.close()
    print(json.dumps({"closed": True}), flush=True)


if __name__ == "__main__":
    main()
