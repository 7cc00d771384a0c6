"""Seeded generators of solvable mazes, one per distribution; the same name and seed give the same level.

Sizes: odd sides drawn independently from 7..15 (`large`: 17..31). A maze is carved by a
randomised depth-first search on the odd cells, then about 10% of the remaining inner walls
between two corridors are knocked out to make loops. The door goes in the outer wall or on an
inner dead end; 0 to 3 distractors (key, ball, box) go on other dead ends or corridor cells.
Every object is reachable from the start (checked; the draw is repeated otherwise).
"""
from __future__ import annotations

import zlib

import numpy as np

from .constants import BALL, BLUE, BOX, DOOR, FLOOR, KEY, N_COLORS, RED, WALL
from .level import UNREACHABLE, Level

DISTRIBUTIONS = ("train", "blue-door", "conflict", "swap", "diverse", "large")
DISTRACTOR_KINDS = (KEY, BALL, BOX)
NON_RED = tuple(c for c in range(N_COLORS) if c != RED)
SIZES = {"default": (7, 15), "large": (17, 31)}
DESCRIPTIONS = {
    "train": "the door is red; no distractor is ever red",
    "blue-door": "the door is blue; no distractor is red",
    "conflict": "the door is blue; at least one non-door object is red (the paper's test)",
    "swap": "train levels with red and blue exchanged everywhere",
    "diverse": "door and distractor colours drawn at random, red included",
    "large": "train's colour rules on mazes of 17 to 31 a side",
}


def rng_for(distribution: str, seed: int) -> np.random.Generator:
    """An explicit generator for (distribution, seed); stable across machines and runs."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, int(seed) >> 32 & 0xFFFFFFFF, zlib.crc32(distribution.encode())])


def generate(distribution: str, seed: int) -> Level:
    """The level `seed` of `distribution` (one of DISTRIBUTIONS)."""
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"unknown distribution {distribution!r}; expected one of {', '.join(DISTRIBUTIONS)}")
    if distribution == "swap":
        level = generate("train", seed)
        swap_colours(level, RED, BLUE)
        level.name = f"swap #{seed}"
        level.description = DESCRIPTIONS["swap"]
        return level
    rng = rng_for(distribution, seed)
    lo, hi = SIZES["large" if distribution == "large" else "default"]
    for _ in range(100):
        level = _draw(distribution, rng, lo, hi)
        if level is not None:
            level.name = f"{distribution} #{seed}"
            level.description = DESCRIPTIONS[distribution]
            return level
    raise RuntimeError(f"could not draw a solvable {distribution} level for seed {seed}")  # never seen


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
        options = [(r + dr, c + dc) for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1))
                   if 0 <= r + dr < ch and 0 <= c + dc < cw and not visited[r + dr, c + dc]]
        if not options:
            stack.pop()
            continue
        nr, nc = options[int(rng.integers(len(options)))]
        visited[nr, nc] = True
        kind[2 * nr + 1, 2 * nc + 1] = FLOOR
        kind[r + nr + 1, c + nc + 1] = FLOOR  # the wall between (2r+1,2c+1) and (2nr+1,2nc+1)
        stack.append((nr, nc))
    # Loops: inner walls that separate two corridor cells, horizontally or vertically.
    inner = kind[1:-1, 1:-1]
    cand = []
    for r in range(1, height - 1):
        for c in range(1, width - 1):
            if kind[r, c] == WALL and ((r % 2 == 1 and c % 2 == 0) or (r % 2 == 0 and c % 2 == 1)):
                cand.append((r, c))
    del inner
    n_loops = int(round(loop_fraction * len(cand)))
    if n_loops and cand:
        for i in rng.choice(len(cand), size=min(n_loops, len(cand)), replace=False):
            kind[cand[int(i)]] = FLOOR
    return kind


def _draw(distribution: str, rng: np.random.Generator, lo: int, hi: int) -> Level | None:
    odd = np.arange(lo, hi + 1, 2)
    height, width = int(rng.choice(odd)), int(rng.choice(odd))
    kind = carve_maze(rng, height, width)
    color = np.zeros_like(kind)
    floor = [tuple(map(int, p)) for p in np.argwhere(kind == FLOOR)]
    start = floor[int(rng.integers(len(floor)))]

    def neighbours_floor(r, c):
        return sum(1 for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1))
                   if 0 <= r + dr < height and 0 <= c + dc < width and kind[r + dr, c + dc] == FLOOR)

    # The door: in the outer wall next to a corridor (half the time), else on an inner dead end.
    outer = [(r, c) for r in range(height) for c in range(width)
             if (r in (0, height - 1) or c in (0, width - 1))
             and not ((r in (0, height - 1)) and (c in (0, width - 1)))
             and neighbours_floor(r, c) == 1]
    dead_ends = [p for p in floor if p != start and neighbours_floor(*p) == 1]
    if rng.random() < 0.5 and outer:
        door = outer[int(rng.integers(len(outer)))]
    elif dead_ends:
        door = dead_ends[int(rng.integers(len(dead_ends)))]
    else:
        return None
    kind[door] = DOOR

    n_distractors = int(rng.integers(0, 4))
    if distribution == "conflict":
        n_distractors = max(1, n_distractors)
    spots = [p for p in dead_ends if p != door] + [p for p in floor if p not in dead_ends and p != start and p != door]
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

    # Colours by distribution.
    if distribution in ("train", "large"):
        color[door] = RED
        for p in chosen:
            color[p] = NON_RED[int(rng.integers(len(NON_RED)))]
    elif distribution == "blue-door":
        color[door] = BLUE
        for p in chosen:
            color[p] = NON_RED[int(rng.integers(len(NON_RED)))]
    elif distribution == "conflict":
        color[door] = BLUE
        for p in chosen:
            color[p] = int(rng.integers(N_COLORS))
        color[chosen[int(rng.integers(len(chosen)))]] = RED
    elif distribution == "diverse":
        color[door] = int(rng.integers(N_COLORS))
        for p in chosen:
            color[p] = int(rng.integers(N_COLORS))
    level = Level(kind, color, start)
    dist = level.distances()
    if any(dist[r, c] == UNREACHABLE for r, c, _, _ in level.objects()):
        return None
    if dist[door] < 3:
        return None
    return level


# Training pools draw seeds below this; evaluation draws from here up, so scores are on unseen levels.
EVAL_SEED_BASE = 1_000_000
