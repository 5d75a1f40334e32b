"""A comparison group as a record, and the leaderboard computed from the picks.

The group keeps what was asked (prompt, system prompt, each panel's model and parameters), the
generation id of each panel, whether names are hidden until the pick, and the pick itself: the
winning panel's index or TIE. Ratings are Elo over the picks in time order (pure functions).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import combinations

TIE = "tie"
MIN_PANELS, MAX_PANELS = 2, 6
ELO_START, ELO_K = 1000.0, 32.0


@dataclass(frozen=True)
class Panel:
    model: str
    params: dict = field(default_factory=dict)
    generation_id: str = ""


@dataclass(frozen=True)
class CompareGroup:
    id: str
    user_id: str
    created_utc: datetime
    prompt: str
    system_prompt: str | None
    panels: tuple[Panel, ...]
    blind: bool = False
    pick: str | None = None  # "0".."5" (the winning panel) or TIE; None until picked
    picked_by: str | None = None
    picked_utc: datetime | None = None

    COLUMNS = ("id", "user_id", "created_utc", "prompt", "system_prompt", "panels_json", "blind",
               "pick", "picked_by", "picked_utc")

    @property
    def generation_ids(self) -> list[str]:
        return [p.generation_id for p in self.panels]

    @property
    def winner(self) -> int | None:
        """The winning panel's index; None for a tie or no pick yet."""
        return int(self.pick) if self.pick not in (None, TIE) else None

    def label(self, index: int) -> str:
        """"Model A".. while blind and unpicked, else the model's name."""
        if self.blind and self.pick is None:
            return f"Model {chr(ord('A') + index)}"
        return self.panels[index].model

    def picked(self, pick: str, by: str, when: datetime) -> "CompareGroup":
        return replace(self, pick=pick, picked_by=by, picked_utc=when)

    def to_row(self) -> tuple:
        panels = json.dumps([{"model": p.model, "params": p.params, "generation_id": p.generation_id}
                             for p in self.panels], sort_keys=True)
        return (self.id, self.user_id, self.created_utc, self.prompt, self.system_prompt, panels,
                self.blind, self.pick, self.picked_by, self.picked_utc)

    @classmethod
    def from_row(cls, row) -> "CompareGroup":
        values = dict(zip(cls.COLUMNS, row))
        panels = tuple(Panel(p["model"], p.get("params") or {}, p.get("generation_id") or "")
                       for p in json.loads(values.pop("panels_json")))
        return cls(panels=panels, **{k: v for k, v in values.items()})


def panel_marker(gen_id: str) -> str:
    """The text a panel with this generation id has in `panels_json` (to find its group)."""
    return json.dumps({"generation_id": gen_id})[1:-1]


def check_pick(group: CompareGroup, pick: str) -> str:
    """The pick as stored, or ValueError: a panel index of this group, or TIE."""
    if pick == TIE or (isinstance(pick, str) and pick.isdigit() and int(pick) < len(group.panels)):
        return pick
    raise ValueError(f"Pick one of the {len(group.panels)} panels or a tie.")


@dataclass
class Standing:
    model: str
    wins: int = 0
    losses: int = 0
    ties: int = 0
    rating: float = ELO_START

    @property
    def games(self) -> int:
        return self.wins + self.losses + self.ties


def leaderboard(groups: list[CompareGroup]) -> list[Standing]:
    """Per model: wins, losses and ties over every pair of different models in each picked group,
    and an Elo rating over the picks oldest first; best rating first. A winner beats each other
    model of its group; a tie is a draw between every pair."""
    table: dict[str, Standing] = {}
    for group in sorted((g for g in groups if g.pick is not None), key=lambda g: (g.picked_utc, g.id)):
        for a, b in combinations(range(len(group.panels)), 2):
            ma, mb = group.panels[a].model, group.panels[b].model
            if ma == mb:
                continue  # the same model twice (other parameters): no information about models
            if group.winner is None:
                score = 0.5
            elif group.winner in (a, b):
                score = 1.0 if group.winner == a else 0.0
            else:
                continue  # two losers: no comparison between them
            _play(table.setdefault(ma, Standing(ma)), table.setdefault(mb, Standing(mb)), score)
    return sorted(table.values(), key=lambda s: (-s.rating, s.model))


def _play(a: Standing, b: Standing, score: float) -> None:
    """One game, `score` from a's side (1 win, 0.5 tie, 0 loss)."""
    expected = 1 / (1 + 10 ** ((b.rating - a.rating) / 400))
    a.rating, b.rating = a.rating + ELO_K * (score - expected), b.rating - ELO_K * (score - expected)
    if score == 0.5:
        a.ties, b.ties = a.ties + 1, b.ties + 1
    elif score == 1.0:
        a.wins, b.losses = a.wins + 1, b.losses + 1
    else:
        a.losses, b.wins = a.losses + 1, b.wins + 1
