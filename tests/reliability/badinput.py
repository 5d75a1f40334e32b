"""The bad inputs fed through the Python API, the CLI and the UI, and the checks they share."""
from __future__ import annotations

from pathlib import Path

from genlib import Filters

ODD_TEXT = "nul\x00byte · עברית right-to-left · emoji 🧪👩‍🔬 · "
MEGA_PROMPT = (ODD_TEXT + "x" * 1_000_000)[:1_000_000]  # exactly at the 1,000,000-character limit
JUNK_IDS = ["", "x", "'; DROP TABLE generations; --", "' OR '1'='1", "../../etc/passwd", "..\\..\\boot.ini",
            "a/b/c", "%2e%2e%2f", "A" * 20 + "/", "\x00" * 21, "€" * 21, "j" * 10_240, "A" * 21]


def outside_canary(tmp_path: Path) -> Path:
    """A file beside the data dir that no input may read or change."""
    canary = tmp_path / "outside" / "secret.txt"
    canary.parent.mkdir(parents=True, exist_ok=True)
    canary.write_text("canary: must never be read through GenVault")
    return canary


def traversal_paths(canary: Path) -> list[str]:
    return ["../outside/secret.txt", "images/../../outside/secret.txt", str(canary),
            "images/../../../" + str(canary).lstrip("/"), "images/\x00/../x"]


def snapshot(vault) -> dict[str, dict]:
    """Every stored row as a dict, by id: compared before and after the bad input."""
    return {g.id: g.to_dict() for g in vault.search(Filters(), page=1, page_size=500).items}


def unchanged(before: dict, after: dict) -> None:
    for gen_id, row in before.items():
        assert after.get(gen_id) == row, f"row {gen_id} changed or vanished"
