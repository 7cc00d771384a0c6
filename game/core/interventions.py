"""Level changes made in the middle of an episode: `swap@K` (red and blue exchanged on every
object after K steps) and `move@K` (the red non-door object nearest the agent and the door
exchange cells after K steps). The play view's X and M keys apply the same `Intervention` now;
the rollout engine (agents/rollout.py) applies it at step K and lab/counterfactual.py classifies
what the agents did. numpy and the simulation only."""

from __future__ import annotations

import re
from dataclasses import dataclass

from reddoor.game.core.constants import BLUE, DOOR, RED
from reddoor.game.core.generators import swap_colours
from reddoor.game.core.level import UNREACHABLE, Level

SWAP, MOVE = "swap", "move"


def nearest_red_and_door(level: Level, cell: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """(door, red): the door and the red non-door object nearest `cell` by path (ties: the first
    in row-major order), both reachable from it; None when either is missing."""
    dist = level.distances(cell)
    best: dict[str, tuple[int, tuple[int, int]]] = {}
    for r, c, kind, colour in level.objects():
        d = int(dist[r, c])
        if d == UNREACHABLE:
            continue
        role = "door" if kind == DOOR else "red" if colour == RED else None
        if role is not None and (role not in best or d < best[role][0]):
            best[role] = (d, (r, c))
    if "door" not in best or "red" not in best:
        return None
    return best["door"][1], best["red"][1]


def exchange_cells(level: Level, a: tuple[int, int], b: tuple[int, int]) -> None:
    """Exchange what two cells hold (kind and colour), in place; distances are recomputed."""
    for grid in (level.kind, level.color):
        grid[a], grid[b] = grid[b], grid[a]
    level.invalidate()


def move_red_and_door(level: Level, cell: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The move intervention in place: the red non-door object nearest `cell` and the door exchange
    cells. Returns (old door cell, old red cell), or None (nothing changed) without both."""
    pair = nearest_red_and_door(level, cell)
    if pair is not None:
        exchange_cells(level, *pair)
    return pair


@dataclass(frozen=True)
class Intervention:
    """`swap@K` or `move@K`: change an episode's level after K steps (K >= 0)."""

    kind: str
    k: int

    @property
    def label(self) -> str:
        return f"{self.kind}@{self.k}"

    def __str__(self) -> str:
        return self.label

    def apply(self, level: Level, cell: tuple[int, int], in_place: bool = False):
        """(changed copy of `level`, or `level` itself changed in place, with (door cell, red cell)
        for a move else None), or None when the intervention does not apply (a move needs a door
        and a red non-door object reachable from `cell`; the level is then left as it was)."""
        new = level if in_place else level.copy()
        if self.kind == SWAP:
            swap_colours(new, RED, BLUE)
            return new, None
        pair = move_red_and_door(new, cell)
        return None if pair is None else (new, pair)


def parse_interventions(text: str) -> list[Intervention]:
    """'swap@4' or 'swap@4,move@6' -> interventions; ValueError naming what is wrong."""
    out = []
    for part in (p.strip() for p in str(text).split(",")):
        if not part:
            continue
        m = re.fullmatch(r"(swap|move)@(\d+)", part)
        if m is None:
            raise ValueError(
                f"bad intervention {part!r}; expected swap@K or move@K with K a whole number of steps, e.g. swap@4"
            )
        out.append(Intervention(m.group(1), int(m.group(2))))
    if not out:
        raise ValueError("no intervention given; expected swap@K or move@K")
    return out
