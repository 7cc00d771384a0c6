"""A level: the grid of kinds and colours, the agent's start, and its metadata; plus maze distances."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from .constants import (
    ACTION_DELTAS,
    COLOR_NAMES,
    DOOR,
    FLOOR,
    KIND_NAMES,
    MAX_SIDE,
    MIN_SIDE,
    N_COLORS,
    N_KINDS,
    WALL,
    default_step_limit,
)

UNREACHABLE = -1


@dataclass(eq=False)
class Level:
    """A grid H x W of cell kinds and colours, one start cell and metadata.

    `kind` and `color` are uint8 arrays of shape (H, W). Terrain (floor, wall) always has colour 0.
    `step_limit` 0 means the default for the size (see `effective_step_limit`).
    """

    kind: np.ndarray
    color: np.ndarray
    start: tuple[int, int]
    name: str = "untitled"
    description: str = ""
    step_limit: int = 0
    _dist_cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.kind = np.ascontiguousarray(self.kind, dtype=np.uint8)
        self.color = np.ascontiguousarray(self.color, dtype=np.uint8)
        if self.kind.ndim != 2 or self.kind.shape != self.color.shape:
            raise ValueError(
                f"kind and colour grids must be 2-D and the same shape, got {self.kind.shape} and {self.color.shape}"
            )
        if self.kind.size and (self.kind.max() >= N_KINDS or self.color.max() >= N_COLORS):
            raise ValueError("kind or colour index out of range")
        self.color[self.kind < DOOR] = 0
        self.start = (int(self.start[0]), int(self.start[1]))

    # -- shape -----------------------------------------------------------------------------
    @property
    def height(self) -> int:
        return int(self.kind.shape[0])

    @property
    def width(self) -> int:
        return int(self.kind.shape[1])

    @property
    def effective_step_limit(self) -> int:
        return self.step_limit if self.step_limit > 0 else default_step_limit(self.height, self.width)

    @classmethod
    def empty(cls, height: int, width: int, name: str = "untitled") -> Level:
        """A room of floor ringed by wall, the start in the top-left corner of the floor."""
        kind = np.full((height, width), FLOOR, np.uint8)
        kind[0, :] = kind[-1, :] = WALL
        kind[:, 0] = kind[:, -1] = WALL
        return cls(kind, np.zeros_like(kind), (min(1, height - 1), min(1, width - 1)), name=name)

    def copy(self) -> Level:
        return Level(self.kind.copy(), self.color.copy(), self.start, self.name, self.description, self.step_limit)

    def same_as(self, other: Level) -> bool:
        """Equal in every field a level file stores."""
        return (
            self.kind.shape == other.kind.shape
            and bool(np.array_equal(self.kind, other.kind))
            and bool(np.array_equal(self.color, other.color))
            and self.start == other.start
            and self.name == other.name
            and self.description == other.description
            and self.step_limit == other.step_limit
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Level) and self.same_as(other)

    __hash__ = None  # mutable

    def invalidate(self) -> None:
        """Forget cached distances; call after changing walls, objects or the start in place."""
        self._dist_cache.clear()

    # -- questions -------------------------------------------------------------------------
    def objects(self) -> list[tuple[int, int, int, int]]:
        """Every object as (row, col, kind, colour), in row-major order."""
        rows, cols = np.nonzero(self.kind >= DOOR)
        return [(int(r), int(c), int(self.kind[r, c]), int(self.color[r, c])) for r, c in zip(rows, cols)]

    def describe_cell(self, row: int, col: int) -> str:
        k = int(self.kind[row, col])
        if k >= DOOR:
            return f"{COLOR_NAMES[self.color[row, col]]} {KIND_NAMES[k]}"
        return KIND_NAMES[k]

    def distances(self, source: tuple[int, int] | None = None) -> np.ndarray:
        """Shortest number of moves from `source` (default the start) to every cell, by BFS.

        The agent walks on floor; an object cell is reached by moving into it (so it counts, but
        the search does not continue through it). Walls and unreachable cells get UNREACHABLE.
        """
        src = self.start if source is None else (int(source[0]), int(source[1]))
        key = (src, self.kind.shape, self.kind.tobytes())
        cached = self._dist_cache.get(key)
        if cached is not None:
            return cached
        dist = bfs_distances(self.kind, src)
        if len(self._dist_cache) > 64:
            self._dist_cache.clear()
        self._dist_cache[key] = dist
        return dist

    def problems(self) -> list[Problem]:
        """What a user should be told about this level: errors first, then warnings."""
        out: list[Problem] = []
        h, w = self.height, self.width
        if not (MIN_SIDE <= h <= MAX_SIDE and MIN_SIDE <= w <= MAX_SIDE):
            out.append(Problem("error", f"size {h}x{w} is outside {MIN_SIDE}..{MAX_SIDE} a side", []))
        r, c = self.start
        if not (0 <= r < h and 0 <= c < w):
            out.append(Problem("error", "no agent start on the map", []))
            return out
        if self.kind[r, c] != FLOOR:
            out.append(
                Problem("error", f"the start {self.start} is on {KIND_NAMES[self.kind[r, c]]}, not floor", [self.start])
            )
            return out
        objs = self.objects()
        if not any(k == DOOR for _, _, k, _ in objs):
            out.append(Problem("warning", "no door: O_base can never be satisfied here", []))
        dist = self.distances()
        unreachable = [(rr, cc) for rr, cc, _, _ in objs if dist[rr, cc] == UNREACHABLE]
        if unreachable:
            names = ", ".join(
                f"{self.describe_cell(rr, cc)} at row {rr + 1} col {cc + 1}" for rr, cc in unreachable[:4]
            )
            more = f" and {len(unreachable) - 4} more" if len(unreachable) > 4 else ""
            out.append(Problem("warning", f"unreachable from the start: {names}{more}", unreachable))
        doors = [(rr, cc) for rr, cc, k, _ in objs if k == DOOR]
        if doors and all(dist[d] == UNREACHABLE for d in doors):
            out.append(Problem("warning", "unsolvable: no door can be reached from the start", doors))
        return out


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a level: severity 'error' or 'warning', a message, the cells involved."""

    severity: str
    message: str
    cells: list

    def __str__(self) -> str:
        return f"{self.severity}: {self.message}"


def bfs_distances(kind: np.ndarray, src: tuple[int, int]) -> np.ndarray:
    """Moves from `src` to every cell; objects are end points, walls block; UNREACHABLE elsewhere."""
    h, w = kind.shape
    dist = np.full((h, w), UNREACHABLE, np.int32)
    r0, c0 = src
    if not (0 <= r0 < h and 0 <= c0 < w) or kind[r0, c0] == WALL:
        return dist
    dist[r0, c0] = 0
    queue = deque([(r0, c0)])
    kl = kind.tolist()
    dl = dist  # local
    while queue:
        r, c = queue.popleft()
        d = dl[r, c] + 1
        for dr, dc in ACTION_DELTAS:
            rr, cc = r + dr, c + dc
            if 0 <= rr < h and 0 <= cc < w and dl[rr, cc] == UNREACHABLE:
                k = kl[rr][cc]
                if k == WALL:
                    continue
                dl[rr, cc] = d
                if k == FLOOR:
                    queue.append((rr, cc))
    return dist
