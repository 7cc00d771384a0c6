"""Level changes made in the middle of an episode: the `move` intervention (the red non-door object
nearest the agent and the door exchange cells). Used by the play view's move key and by the
counterfactual tests in lab/signature.py. numpy and the simulation only."""
from __future__ import annotations

from game.core.constants import DOOR, RED
from game.core.level import UNREACHABLE, Level


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
