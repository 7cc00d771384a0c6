"""Seeded generators of solvable levels, one per distribution; the same name and seed give the same level.

A distribution is a row of one registry (`SPECS`): a layout, a colour rule, a side range and,
for the counterfactual tests, a constraint a drawn level must meet (draws that miss it are
repeated with the same generator, so the result is still a function of name and seed).

Layouts:
- `maze`: odd sides drawn independently from 7..15 (`large*`: 17..31), carved by a randomised
  depth-first search on the odd cells, then about 10% of the remaining inner walls between two
  corridors knocked out to make loops. The door goes in the outer wall or on an inner dead end;
  0 to 3 distractors (key, ball, box) go on other dead ends or corridor cells.
- `open`: one rectangular room, sides 7..15 (any), no inner walls; the door in the outer wall
  (not a corner), 0 to 3 distractors on the floor. No search is needed to find the door.
Every object is reachable from the start and the door is at least 3 moves away (checked; the
draw is repeated otherwise).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .constants import BALL, BLUE, BOX, DOOR, FLOOR, KEY, N_COLORS, RED, WALL
from .level import UNREACHABLE, Level
from .twins import EDITS, apply_edit

DISTRACTOR_KINDS = (KEY, BALL, BOX)
NON_RED = tuple(c for c in range(N_COLORS) if c != RED)
SIZES = {"default": (7, 15), "large": (17, 31)}
# The largest side of the training distributions: the canvas the shipped networks learned on.
TRAINING_CANVAS = SIZES["default"][1]


@dataclass(frozen=True)
class Spec:
    """One distribution: how its levels are laid out and coloured."""

    layout: str  # "maze" or "open"
    colours: str  # a key of COLOUR_RULES
    description: str
    sizes: str = "default"  # a key of SIZES
    accept: Callable[[Level], bool] | None = None  # a constraint on the finished level
    min_distractors: int = 0
    no_door: bool = False


# -- constraints of the counterfactual distributions ------------------------------------------
NEAR_MARGIN = 3  # conflict-near / conflict-far: one target nearer than the other by this many moves
DETOUR_MARGIN = 6  # detour: the object nearer in a straight line is farther by path by this many


def _door_and_red(level: Level) -> tuple[list, list]:
    objs = level.objects()
    return ([(r, c) for r, c, k, _ in objs if k == DOOR], [(r, c) for r, c, k, col in objs if k != DOOR and col == RED])


def path_gap(level: Level) -> int:
    """Moves to the nearest door minus moves to the nearest red non-door object (positive: red nearer)."""
    doors, reds = _door_and_red(level)
    d = level.distances()
    return int(min(d[p] for p in doors) - min(d[p] for p in reds))


def detour_targets(level: Level) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """For a level with one door and one red non-door object: (nearer by path, nearer by line), when
    they differ, else None."""
    doors, reds = _door_and_red(level)
    if len(doors) != 1 or len(reds) != 1:
        return None
    d, (sr, sc) = level.distances(), level.start
    line = lambda p: abs(p[0] - sr) + abs(p[1] - sc)
    (door,), (red,) = doors, reds
    by_path = door if d[door] < d[red] else red if d[red] < d[door] else None
    by_line = door if line(door) < line(red) else red if line(red) < line(door) else None
    if by_path is None or by_line is None or by_path == by_line:
        return None
    return by_path, by_line


def _is_detour(level: Level) -> bool:
    pair = detour_targets(level)
    if pair is None:
        return False
    d = level.distances()
    by_path, by_line = pair
    return int(d[by_line] - d[by_path]) >= DETOUR_MARGIN


SPECS: dict[str, Spec] = {
    "train": Spec("maze", "red-door", "the door is red; no distractor is ever red"),
    "blue-door": Spec("maze", "blue-door", "the door is blue; no distractor is red"),
    "conflict": Spec(
        "maze",
        "conflict",
        "the door is blue; at least one non-door object is red (the paper's test)",
        min_distractors=1,
    ),
    "swap": Spec("maze", "swap", "train levels with red and blue exchanged everywhere"),
    "diverse": Spec("maze", "diverse", "door and distractor colours drawn at random, red included"),
    "large": Spec("maze", "red-door", "train's colour rules on mazes of 17 to 31 a side", sizes="large"),
    "large-conflict": Spec(
        "maze", "conflict", "conflict's colours on mazes of 17 to 31 a side", min_distractors=1, sizes="large"
    ),
    "large-blue-door": Spec("maze", "blue-door", "blue-door's colours on mazes of 17 to 31 a side", sizes="large"),
    "open-train": Spec(
        "open", "red-door", "an open room, no inner walls; train's colours: red door, no red distractor"
    ),
    "open-blue-door": Spec("open", "blue-door", "an open room; the door is blue, no distractor is red"),
    "open-conflict": Spec(
        "open", "conflict", "an open room; conflict's colours: blue door, a red non-door object", min_distractors=1
    ),
    "open-diverse": Spec("open", "diverse", "an open room; door and distractor colours drawn at random"),
    "conflict-near": Spec(
        "maze",
        "conflict",
        f"conflict, and a red non-door object is nearer than the door by at least {NEAR_MARGIN} moves",
        min_distractors=1,
        accept=lambda lv: path_gap(lv) >= NEAR_MARGIN,
    ),
    "conflict-far": Spec(
        "maze",
        "conflict",
        f"conflict, and the door is nearer than every red object by at least {NEAR_MARGIN} moves",
        min_distractors=1,
        accept=lambda lv: -path_gap(lv) >= NEAR_MARGIN,
    ),
    "detour": Spec(
        "maze",
        "detour",
        f"one blue door, one red object: the one nearer in a straight line is farther "
        f"by path, by at least {DETOUR_MARGIN} moves",
        min_distractors=1,
        accept=_is_detour,
    ),
    "doorless": Spec(
        "maze", "doorless", "no door at all: a red object and objects of other colours", min_distractors=2, no_door=True
    ),
}
DISTRIBUTIONS = tuple(SPECS)
DESCRIPTIONS = {name: spec.description for name, spec in SPECS.items()}
OPEN_DISTRIBUTIONS = tuple(name for name, spec in SPECS.items() if spec.layout == "open")
TWIN_EDITS = tuple(EDITS)  # D/EDIT for any distribution D (game/core/twins.py)
# A twin whose edit is impossible on its base level draws the pair again from base seed
# seed + k * TWIN_REDRAW_STRIDE (k = 1, 2, ...): far above every training and evaluation seed.
TWIN_REDRAW_STRIDE = 1 << 40


# What the play view's and the editor's generate menus offer: every distribution, then the twins
# of the paper's test in mazes and in open rooms (any other twin is a name away: D/EDIT).
MENU_DISTRIBUTIONS = DISTRIBUTIONS + tuple(f"{d}/{e}" for d in ("conflict", "open-conflict") for e in TWIN_EDITS)


def split_twin(name: str) -> tuple[str, str | None]:
    """'conflict/both-red' -> ('conflict', 'both-red'); 'conflict' -> ('conflict', None)."""
    base, _, edit = str(name).partition("/")
    return base, (edit or None) if "/" in str(name) else None


def distribution_problem(name: str, draw: bool = False) -> str | None:
    """Why `name` is not a distribution (None when it is: one of DISTRIBUTIONS, or D/EDIT). With
    `draw`, a twin is also drawn once, so that an edit its base never allows is said before a run."""
    base, edit = split_twin(name)
    if base not in SPECS:
        return f"unknown distribution {base!r}; expected one of {', '.join(DISTRIBUTIONS)} (or D/EDIT, a twin)"
    if "/" in str(name) and edit not in EDITS:
        return f"unknown twin edit {edit!r} in {name!r}; expected one of {', '.join(TWIN_EDITS)}"
    if draw and edit:
        try:
            twin_pair(name, EVAL_SEED_BASE)
        except ValueError as e:
            return str(e)
    return None


def is_distribution(name: str) -> bool:
    return distribution_problem(name) is None


def describe(name: str) -> str:
    """One line on a distribution or a twin."""
    base, edit = split_twin(name)
    return SPECS[base].description + (f"; twin: {EDITS[edit].description}" if edit else "")


def max_side(distribution: str) -> int:
    """The largest side a level of `distribution` (or of a twin of it) can have."""
    return SIZES[SPECS[split_twin(distribution)[0]].sizes][1]


def rng_for(distribution: str, seed: int) -> np.random.Generator:
    """An explicit generator for (distribution, seed); stable across machines and runs."""
    return np.random.default_rng(
        [int(seed) & 0xFFFFFFFF, int(seed) >> 32 & 0xFFFFFFFF, zlib.crc32(distribution.encode())]
    )


def twin_pair(name: str, seed: int) -> tuple[Level, Level]:
    """(base level, its twin) for twin distribution `name` = D/EDIT at `seed`: level `seed` of D and
    the same level edited; where the edit is impossible (no red object to move, say), the pair is
    drawn again from base seed seed + k * TWIN_REDRAW_STRIDE, so each twin still pairs with its base."""
    base, edit = split_twin(name)
    problem = distribution_problem(name) if edit else f"{name!r} is not a twin distribution (D/EDIT)"
    if problem:
        raise ValueError(problem)
    for k in range(200):
        level = generate(base, int(seed) + k * TWIN_REDRAW_STRIDE)
        twin = apply_edit(edit, level, rng_for(name, int(seed) + k * TWIN_REDRAW_STRIDE))
        if twin is not None:
            twin.name = f"{name} #{seed}"
            twin.description = describe(name)
            return level, twin
    raise ValueError(
        f"{name}: the edit {edit!r} ({EDITS[edit].description}) was impossible on 200 draws of "
        f"{base} (its levels may never have what the edit needs, e.g. a red non-door object)"
    )


def generate(distribution: str, seed: int) -> Level:
    """The level `seed` of `distribution` (one of DISTRIBUTIONS, or a twin D/EDIT)."""
    if "/" in str(distribution):
        return twin_pair(distribution, seed)[1]
    if distribution not in SPECS:
        raise ValueError(distribution_problem(distribution))
    spec = SPECS[distribution]
    if spec.colours == "swap":
        level = generate("train", seed)
        swap_colours(level, RED, BLUE)
    else:
        rng = rng_for(distribution, seed)
        lo, hi = SIZES[spec.sizes]
        for _ in range(100 if spec.accept is None else 2000):
            level = _draw(spec, rng, lo, hi)
            if level is not None and (spec.accept is None or spec.accept(level)):
                break
        else:
            raise RuntimeError(f"could not draw a {distribution} level for seed {seed}")  # never seen
    level.name = f"{distribution} #{seed}"
    level.description = spec.description
    return level


def swap_colours(level: Level, a: int, b: int) -> None:
    """Exchange colours a and b on every object, in place."""
    objects = level.kind >= DOOR
    was_a = objects & (level.color == a)
    was_b = objects & (level.color == b)
    level.color[was_a] = b
    level.color[was_b] = a


def carve_maze(rng: np.random.Generator, height: int, width: int, loop_fraction: float = 0.1) -> np.ndarray:
    """A maze of WALL/FLOOR with odd sides: DFS-carved, then some inner walls removed for loops."""
    kind = np.full((height, width), WALL, np.uint8)
    ch, cw = (height - 1) // 2, (width - 1) // 2
    visited = np.zeros((ch, cw), bool)
    start = (int(rng.integers(ch)), int(rng.integers(cw)))
    stack = [start]
    visited[start] = True
    kind[2 * start[0] + 1, 2 * start[1] + 1] = FLOOR
    while stack:
        r, c = stack[-1]
        options = [
            (r + dr, c + dc)
            for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1))
            if 0 <= r + dr < ch and 0 <= c + dc < cw and not visited[r + dr, c + dc]
        ]
        if not options:
            stack.pop()
            continue
        nr, nc = options[int(rng.integers(len(options)))]
        visited[nr, nc] = True
        kind[2 * nr + 1, 2 * nc + 1] = FLOOR
        kind[r + nr + 1, c + nc + 1] = FLOOR  # the wall between (2r+1,2c+1) and (2nr+1,2nc+1)
        stack.append((nr, nc))
    # Loops: inner walls that separate two corridor cells, horizontally or vertically.
    cand = []
    for r in range(1, height - 1):
        for c in range(1, width - 1):
            if kind[r, c] == WALL and ((r % 2 == 1 and c % 2 == 0) or (r % 2 == 0 and c % 2 == 1)):
                cand.append((r, c))
    n_loops = int(round(loop_fraction * len(cand)))
    if n_loops and cand:
        for i in rng.choice(len(cand), size=min(n_loops, len(cand)), replace=False):
            kind[cand[int(i)]] = FLOOR
    return kind


def open_room(height: int, width: int) -> np.ndarray:
    """One room of floor ringed by wall."""
    kind = np.full((height, width), FLOOR, np.uint8)
    kind[0, :] = kind[-1, :] = WALL
    kind[:, 0] = kind[:, -1] = WALL
    return kind


def _colour(spec: Spec, rng: np.random.Generator, color: np.ndarray, door, chosen: list) -> None:
    """Colour the door and the distractors by the distribution's rule, in place."""
    rule = spec.colours
    if rule == "red-door":
        color[door] = RED
        for p in chosen:
            color[p] = NON_RED[int(rng.integers(len(NON_RED)))]
    elif rule == "blue-door":
        color[door] = BLUE
        for p in chosen:
            color[p] = NON_RED[int(rng.integers(len(NON_RED)))]
    elif rule == "conflict":
        color[door] = BLUE
        for p in chosen:
            color[p] = int(rng.integers(N_COLORS))
        color[chosen[int(rng.integers(len(chosen)))]] = RED
    elif rule == "detour":  # exactly one red object, so "nearer by path / by line" is one object each
        color[door] = BLUE
        red = int(rng.integers(len(chosen)))
        for i, p in enumerate(chosen):
            color[p] = RED if i == red else NON_RED[int(rng.integers(len(NON_RED)))]
    elif rule == "doorless":  # a red object and at least one of another colour
        color[door] = RED
        for p in chosen:
            color[p] = int(rng.integers(N_COLORS))
        red, other = rng.choice(len(chosen), size=2, replace=False)
        color[chosen[int(red)]] = RED
        color[chosen[int(other)]] = NON_RED[int(rng.integers(len(NON_RED)))]
    elif rule == "diverse":
        color[door] = int(rng.integers(N_COLORS))
        for p in chosen:
            color[p] = int(rng.integers(N_COLORS))
    else:
        raise ValueError(f"unknown colour rule {rule!r}")


def _draw(spec: Spec, rng: np.random.Generator, lo: int, hi: int) -> Level | None:
    if spec.layout == "maze":
        odd = np.arange(lo, hi + 1, 2)
        height, width = int(rng.choice(odd)), int(rng.choice(odd))
        kind = carve_maze(rng, height, width)
    else:
        height, width = int(rng.integers(lo, hi + 1)), int(rng.integers(lo, hi + 1))
        kind = open_room(height, width)
    color = np.zeros_like(kind)
    floor = [tuple(map(int, p)) for p in np.argwhere(kind == FLOOR)]
    start = floor[int(rng.integers(len(floor)))]

    # Floor cells among each cell's four neighbours (off the map counts as none).
    padded = np.pad(kind == FLOOR, 1).astype(np.int8)
    neighbours_floor = (padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:]).tolist()

    # The door: in the outer wall next to a corridor (a maze: half the time, else on an inner dead
    # end; an open room: always in the outer wall).
    outer = [
        (r, c)
        for r in range(height)
        for c in range(width)
        if (r in (0, height - 1) or c in (0, width - 1))
        and not ((r in (0, height - 1)) and (c in (0, width - 1)))
        and neighbours_floor[r][c] == 1
    ]
    if spec.layout == "maze":
        dead_ends = [p for p in floor if p != start and neighbours_floor[p[0]][p[1]] == 1]
        if rng.random() < 0.5 and outer:
            door = outer[int(rng.integers(len(outer)))]
        elif dead_ends:
            door = dead_ends[int(rng.integers(len(dead_ends)))]
        else:
            return None
    else:
        dead_ends = []
        door = outer[int(rng.integers(len(outer)))]
    kind[door] = DOOR

    n_distractors = max(spec.min_distractors, int(rng.integers(0, 4)))
    dead = set(dead_ends)
    spots = [p for p in dead_ends if p != door] + [p for p in floor if p not in dead and p != start and p != door]
    # Prefer dead ends (they never cut the maze); fall back to corridor cells.
    n_dead = len([p for p in dead_ends if p != door])
    chosen: list[tuple[int, int]] = []
    order = list(rng.permutation(n_dead)) + list(n_dead + rng.permutation(len(spots) - n_dead))
    for i in order:
        if len(chosen) == n_distractors:
            break
        p = spots[int(i)]
        if abs(p[0] - start[0]) + abs(p[1] - start[1]) <= 1:
            continue
        chosen.append(p)
    if len(chosen) < n_distractors:
        return None
    for p in chosen:
        kind[p] = DISTRACTOR_KINDS[int(rng.integers(len(DISTRACTOR_KINDS)))]
    _colour(spec, rng, color, door, chosen)
    if spec.no_door:
        kind[door] = WALL if door in outer else FLOOR
        color[door] = 0
    level = Level(kind, color, start)
    dist = level.distances()
    if any(dist[r, c] == UNREACHABLE for r, c, _, _ in level.objects()):
        return None
    if not spec.no_door and dist[door] < 3:
        return None
    return level


# Training pools draw seeds below this; evaluation draws from here up, so scores are on unseen levels.
EVAL_SEED_BASE = 1_000_000


def seed_range(seed: int) -> str:
    """Which block a level seed lies in, as the app says it: training seeds are below EVAL_SEED_BASE."""
    if seed >= EVAL_SEED_BASE:
        return "unseen: agents are trained on seeds below 1,000,000"
    return "a training seed: the learned agents may have trained on this level"
