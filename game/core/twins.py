"""Twin levels: one edit applied to a level, so the twin and its base differ in one cue and pair up.

`D/EDIT` (e.g. `conflict/both-red`) is level `seed` of distribution D with EDIT applied
(game/core/generators.py). Each edit is a function of the level and an explicit generator that
returns the edited copy, or None when the edit is impossible on that level (then the pair is drawn
again, from the base seed moved out of every range that is used elsewhere; see generators.twin_pair).
Numpy only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .constants import DOOR, FLOOR, N_COLORS, RED, WALL
from .level import UNREACHABLE, Level


@dataclass(frozen=True)
class Edit:
    name: str
    description: str
    apply: Callable[[Level, np.random.Generator], Level | None]


def _doors(level: Level) -> list[tuple[int, int]]:
    return [(int(r), int(c)) for r, c in np.argwhere(level.kind == DOOR)]


def _red_objects(level: Level) -> list[tuple[int, int]]:
    """The red non-door objects, nearest the start (by path) first; unreachable ones last."""
    d = level.distances()
    cells = [(int(r), int(c)) for r, c in np.argwhere((level.kind > DOOR) & (level.color == RED))]
    return sorted(cells, key=lambda p: (d[p] == UNREACHABLE, int(d[p]), p))


def _wall_up(level: Level, cells) -> None:
    # A door sits in the outer wall or on a dead end: walling it up cuts no path to anything else.
    for p in cells:
        level.kind[p] = WALL
        level.color[p] = 0


def both_red(level: Level, rng: np.random.Generator) -> Level | None:
    doors = _doors(level)
    if not doors:
        return None
    out = level.copy()
    for p in doors:
        out.color[p] = RED
    return out


def blue_only(level: Level, rng: np.random.Generator) -> Level | None:
    doors = _doors(level)
    if not doors:
        return None
    out = level.copy()
    door_colours = {int(level.color[p]) for p in doors}
    allowed = [c for c in range(N_COLORS) if c != RED and c not in door_colours]
    for p in _red_objects(level):
        out.color[p] = allowed[int(rng.integers(len(allowed)))]
    return out


def red_door_floor(level: Level, rng: np.random.Generator) -> Level | None:
    doors, reds = _doors(level), _red_objects(level)
    if not doors or not reds:
        return None
    out = level.copy()
    _wall_up(out, doors)
    out.kind[reds[0]] = DOOR
    out.color[reds[0]] = RED
    return out


def _door_like_cells(level: Level) -> list[tuple[int, int]]:
    """Free cells of the outer wall where a training door could stand: not a corner, exactly one
    floor neighbour, reachable through it."""
    h, w = level.kind.shape
    d = level.distances()
    out = []
    for r in range(h):
        for c in range(w):
            if not (r in (0, h - 1) or c in (0, w - 1)) or (r in (0, h - 1) and c in (0, w - 1)):
                continue
            if level.kind[r, c] != WALL:
                continue
            near = [
                (r + dr, c + dc)
                for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1))
                if 0 <= r + dr < h and 0 <= c + dc < w and level.kind[r + dr, c + dc] == FLOOR
            ]
            if len(near) == 1 and d[near[0]] != UNREACHABLE:
                out.append((r, c))
    return out


def red_in_wall(level: Level, rng: np.random.Generator) -> Level | None:
    """The nearest red non-door object moved into a door-like cell of the outer wall: of those, one
    as far from the start by path as the object was (the nearest such distance; ties at random)."""
    reds = _red_objects(level)
    if not reds:
        return None
    red = reds[0]
    out = level.copy()
    out.kind[red], out.color[red] = FLOOR, 0
    spots = [p for p in _door_like_cells(out) if p != level.start]
    if not spots:
        return None
    d = out.distances()
    target = int(level.distances()[red])

    def steps(p):  # moves from the start into the wall cell: one more than to its floor neighbour
        r, c = p
        return 1 + min(
            int(d[q])
            for q in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1))
            if 0 <= q[0] < d.shape[0] and 0 <= q[1] < d.shape[1] and d[q] != UNREACHABLE
        )

    gaps = [abs(steps(p) - target) for p in spots]
    best = [p for p, g in zip(spots, gaps) if g == min(gaps)]
    cell = best[int(rng.integers(len(best)))]
    out.kind[cell], out.color[cell] = level.kind[red], RED
    return out


def doorless(level: Level, rng: np.random.Generator) -> Level | None:
    doors = _doors(level)
    if not doors:
        return None
    out = level.copy()
    _wall_up(out, doors)
    return out


EDITS: dict[str, Edit] = {
    e.name: e
    for e in (
        Edit("both-red", "the door made red too", both_red),
        Edit("blue-only", "every red non-door object given a colour neither red nor the door's", blue_only),
        Edit(
            "red-door-floor",
            "the door walled up; the nearest red object made a red door in its own cell",
            red_door_floor,
        ),
        Edit("red-in-wall", "the nearest red object moved into a door-like cell of the outer wall", red_in_wall),
        Edit("doorless", "the door walled up", doorless),
    )
}


def apply_edit(name: str, level: Level, rng: np.random.Generator) -> Level | None:
    """The edited copy of `level`, or None where the edit is impossible or leaves an object out of reach."""
    out = EDITS[name].apply(level, rng)
    if out is None:
        return None
    out.invalidate()
    d = out.distances()
    if any(d[r, c] == UNREACHABLE for r, c, _, _ in out.objects()):
        return None
    return out
