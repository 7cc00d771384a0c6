"""The level editor's model: a document holding one Level, and every edit as an undoable command.

No pygame here. The editor scene translates clicks and keys into calls on `Document`; the tests
call the same methods. Every edit is recorded as a `Command` holding the level before and after
(a 32 x 32 level is 2 KB, so whole snapshots are cheaper than clever diffs and cannot be wrong).
A drag is one command: `begin()` ... paint cells ... `end()`.

The agent start is never lost: painting a wall or an object over it leaves that cell floor, and a
resize or generate always leaves a start on floor. So the document can always be saved.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .constants import (
    BALL,
    BOX,
    DOOR,
    FLOOR,
    KEY,
    MAX_SIDE,
    MIN_SIDE,
    N_COLORS,
    WALL,
)
from .generators import distribution_problem, generate
from .level import UNREACHABLE, Level, Problem

# Tools, in the order the toolbar shows them. "erase" turns anything back into floor.
TOOLS = ("wall", "floor", "door", "key", "ball", "box", "start", "erase")
TOOL_KIND = {"wall": WALL, "floor": FLOOR, "door": DOOR, "key": KEY, "ball": BALL, "box": BOX, "erase": FLOOR}
# How a tool is applied: freehand, a straight line, a rectangle outline or filled, a flood fill.
MODES = ("pencil", "line", "rect", "filled", "fill")
MAX_UNDO = 1000
MAX_NAME = 60
MAX_DESCRIPTION = 300


@dataclass(frozen=True)
class Command:
    """One undoable edit: what it was called and the level before and after it."""

    label: str
    before: Level
    after: Level


def clamp_side(n: int) -> int:
    return max(MIN_SIDE, min(MAX_SIDE, int(n)))


# -- geometry (pure) ---------------------------------------------------------------------------
def line_cells(a: tuple[int, int], b: tuple[int, int]) -> list[tuple[int, int]]:
    """The cells of a straight line from a to b inclusive (Bresenham), 4-connected, so walls drawn
    diagonally leave no gap an agent could slip through."""
    (r0, c0), (r1, c1) = a, b
    dr, dc = abs(r1 - r0), abs(c1 - c0)
    sr, sc = (1 if r1 > r0 else -1), (1 if c1 > c0 else -1)
    out = [(r0, c0)]
    r, c, ir, ic = r0, c0, 0, 0
    while ir < dr or ic < dc:
        # Step along the axis whose next cell centre is nearer the ideal line (one axis per step).
        if ic < dc and (ir >= dr or (1 + 2 * ic) * dr < (1 + 2 * ir) * dc):
            ic += 1
            c += sc
        else:
            ir += 1
            r += sr
        out.append((r, c))
    return out


def rect_cells(a: tuple[int, int], b: tuple[int, int], filled: bool) -> list[tuple[int, int]]:
    """The cells of the rectangle with corners a and b: its outline, or all of it when filled."""
    r0, r1 = sorted((a[0], b[0]))
    c0, c1 = sorted((a[1], b[1]))
    if filled:
        return [(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]
    out = [(r0, c) for c in range(c0, c1 + 1)]
    if r1 > r0:
        out += [(r1, c) for c in range(c0, c1 + 1)]
    out += [(r, c0) for r in range(r0 + 1, r1)]
    if c1 > c0:
        out += [(r, c1) for r in range(r0 + 1, r1)]
    return out


def flood_cells(level: Level, cell: tuple[int, int]) -> list[tuple[int, int]]:
    """The 4-connected region of cells with the same kind and colour as `cell`."""
    h, w = level.height, level.width
    r0, c0 = cell
    if not (0 <= r0 < h and 0 <= c0 < w):
        return []
    target = (int(level.kind[r0, c0]), int(level.color[r0, c0]))
    kl, cl = level.kind.tolist(), level.color.tolist()
    seen = {cell}
    queue = deque([cell])
    while queue:
        r, c = queue.popleft()
        for rr, cc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if 0 <= rr < h and 0 <= cc < w and (rr, cc) not in seen and (kl[rr][cc], cl[rr][cc]) == target:
                seen.add((rr, cc))
                queue.append((rr, cc))
    return sorted(seen)


def resized(level: Level, height: int, width: int) -> Level:
    """`level` at a new size, keeping its content: the last row and column (usually the outer wall,
    perhaps with a door in it) stay last; rows and columns are added or dropped just inside them.

    So an object in the bottom or right outer wall (a door, say) moves with that edge and stays in
    the outer wall, and one in the top or left wall stays where it was. New cells are floor, except
    on the outer ring: a side that was closed (wall, with doors or other objects set in it, but no
    floor) gets wall in its new cells, so growing never opens a gap in an outer wall."""
    height, width = clamp_side(height), clamp_side(width)
    h, w = level.height, level.width
    out = Level.empty(height, width, name=level.name)
    out.description, out.step_limit = level.description, level.step_limit

    def src_index(n_new: int, n_old: int) -> np.ndarray:
        # For each new index, the old index it copies, or -1 for a fresh cell.
        idx = np.full(n_new, -1, np.int64)
        inner = min(n_new - 1, n_old - 1)
        idx[:inner] = np.arange(inner)
        idx[n_new - 1] = n_old - 1
        return idx

    rows, cols = src_index(height, h), src_index(width, w)
    fresh_kind = np.full((height, width), FLOOR, np.uint8)
    # A fresh cell on the outer ring is wall if that side of the old ring was closed: no floor on
    # it (a door in an outer wall does not open it; a side with a floor gap stays open).
    closed = lambda side: bool((side != FLOOR).all())
    if closed(level.kind[:, 0]):
        fresh_kind[:, 0] = WALL
    if closed(level.kind[:, -1]):
        fresh_kind[:, -1] = WALL
    if closed(level.kind[0, :]):
        fresh_kind[0, :] = WALL
    if closed(level.kind[-1, :]):
        fresh_kind[-1, :] = WALL
    kind = fresh_kind.copy()
    colour = np.zeros((height, width), np.uint8)
    ok = (rows[:, None] >= 0) & (cols[None, :] >= 0)
    rr, cc = np.nonzero(ok)
    kind[rr, cc] = level.kind[rows[rr], cols[cc]]
    colour[rr, cc] = level.color[rows[rr], cols[cc]]
    out.kind, out.color = kind, colour

    # The start moves with its row and column; if those were dropped, to the nearest floor.
    sr, sc = level.start
    new_r = int(np.nonzero(rows == sr)[0][0]) if (rows == sr).any() else min(sr, height - 2)
    new_c = int(np.nonzero(cols == sc)[0][0]) if (cols == sc).any() else min(sc, width - 2)
    out.start = _nearest_floor(out, (max(0, new_r), max(0, new_c)))
    out.invalidate()
    return out


def _nearest_floor(level: Level, cell: tuple[int, int]) -> tuple[int, int]:
    """`cell` if it is floor, else the nearest floor cell; if there is none, `cell` becomes floor."""
    if level.kind[cell] == FLOOR:
        return cell
    floor = np.argwhere(level.kind == FLOOR)
    if len(floor):
        d = np.abs(floor - np.array(cell)).sum(axis=1)
        r, c = floor[int(np.argmin(d))]
        return int(r), int(c)
    level.kind[cell] = FLOOR
    level.color[cell] = 0
    return cell


# -- the document ------------------------------------------------------------------------------
class Document:
    """The level being edited, its undo and redo stacks, and whether it differs from the saved file.

    Every public edit method returns True when it changed the level (a no-op records nothing).
    `version` goes up on every change, undo and redo included: views and the autosave key on it.
    """

    def __init__(self, level: Level | None = None, path=None):
        self.level = (level or Level.empty(9, 9)).copy()
        self.path = path  # the file it was opened from or last saved to (None: never saved)
        self.saved: Level | None = self.level.copy()  # None: content never saved anywhere (a recovery)
        self.undo_stack: list[Command] = []
        self.redo_stack: list[Command] = []
        self.version = 0
        self.blocked = 0  # cells an edit left alone because the start is there (reported to the user)
        self._group: tuple[str, Level] | None = None
        self._problems: tuple[int, list[Problem]] = (-1, [])

    # -- state -----------------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        """True when the level differs from the file it was opened from or saved to."""
        return self.saved is None or not self.level.same_as(self.saved)

    @property
    def problems(self) -> list[Problem]:
        """The level's problems, recomputed once per change."""
        if self._problems[0] != self.version:
            self._problems = (self.version, self.level.problems())
        return self._problems[1]

    def unreachable_cells(self) -> set[tuple[int, int]]:
        """Objects the agent cannot reach from the start (what the map highlights)."""
        cells: set[tuple[int, int]] = set()
        for problem in self.problems:
            cells.update(tuple(c) for c in problem.cells)
        return cells

    def reachable(self) -> np.ndarray:
        """(H, W) bool: cells the agent can walk to or reach from the start."""
        return self.level.distances() != UNREACHABLE

    def mark_saved(self, path=None) -> None:
        if path is not None:
            self.path = path
        self.saved = self.level.copy()
        self.version += 1

    # -- grouping ----------------------------------------------------------------------------
    def begin(self, label: str) -> None:
        """Start a group of edits (a drag) that undo as one command."""
        if self._group is None:
            self._group = (label, self.level.copy())

    def end(self) -> bool:
        """Close the group; record it if it changed anything."""
        if self._group is None:
            return False
        label, before = self._group
        self._group = None
        return self._record(label, before)

    @property
    def in_group(self) -> bool:
        return self._group is not None

    def _record(self, label: str, before: Level) -> bool:
        if before.same_as(self.level):
            return False
        self.undo_stack.append(Command(label, before, self.level.copy()))
        if len(self.undo_stack) > MAX_UNDO:
            del self.undo_stack[0]
        self.redo_stack.clear()
        return True

    def _edit(self, label: str, change) -> bool:
        """Run `change()` on the level as one command (or as part of the open group)."""
        if self._group is not None:
            before_bytes = (self.level.kind.tobytes(), self.level.color.tobytes(), self.level.start)
            change()
            self.level.invalidate()
            changed = before_bytes != (self.level.kind.tobytes(), self.level.color.tobytes(), self.level.start)
            if changed:
                self.version += 1
            return changed
        before = self.level.copy()
        change()
        self.level.invalidate()
        if self._record(label, before):
            self.version += 1
            return True
        return False

    # -- cell edits --------------------------------------------------------------------------
    def _paint(self, cells: Iterable[tuple[int, int]], tool: str, colour: int) -> None:
        if tool not in TOOL_KIND:
            raise ValueError(f"unknown tool {tool!r}; expected one of {', '.join(TOOLS)}")
        kind_value = TOOL_KIND[tool]
        colour_value = int(colour) % N_COLORS if kind_value >= DOOR else 0
        level = self.level
        h, w = level.height, level.width
        for r, c in cells:
            if not (0 <= r < h and 0 <= c < w):
                continue
            if (r, c) == level.start and kind_value != FLOOR:
                self.blocked += 1
                continue
            level.kind[r, c] = kind_value
            level.color[r, c] = colour_value

    def paint(self, cells: Iterable[tuple[int, int]], tool: str, colour: int = 0) -> bool:
        """Paint `cells` with a tool (the start tool places the start on the last of them)."""
        cells = list(cells)
        if tool == "start":
            return self.place_start(cells[-1]) if cells else False
        return self._edit(f"paint {tool}", lambda: self._paint(cells, tool, colour))

    def paint_cell(self, cell: tuple[int, int], tool: str, colour: int = 0) -> bool:
        return self.paint([cell], tool, colour)

    def line(self, a, b, tool: str, colour: int = 0) -> bool:
        return self.paint(line_cells(tuple(a), tuple(b)), tool, colour)

    def rect(self, a, b, tool: str, colour: int = 0, filled: bool = False) -> bool:
        return self.paint(rect_cells(tuple(a), tuple(b), filled), tool, colour)

    def flood(self, cell, tool: str, colour: int = 0) -> bool:
        """Fill the region of same-looking cells around `cell` with the tool."""
        if tool == "start":
            return self.place_start(cell)
        return self.paint(flood_cells(self.level, tuple(cell)), tool, colour)

    def place_start(self, cell) -> bool:
        """Move the start to `cell`; an object or wall there becomes floor."""
        r, c = int(cell[0]), int(cell[1])
        if not (0 <= r < self.level.height and 0 <= c < self.level.width):
            return False

        def change():
            self.level.kind[r, c] = FLOOR
            self.level.color[r, c] = 0
            self.level.start = (r, c)

        return self._edit("move start", change)

    def apply(self, mode: str, a, b, tool: str, colour: int = 0) -> bool:
        """One stroke of a mode from cell a to cell b (pencil paints b alone; fill floods from b)."""
        if mode == "pencil":
            return self.paint_cell(tuple(b), tool, colour)
        if mode == "line":
            return self.line(a, b, tool, colour)
        if mode in ("rect", "filled"):
            return self.rect(a, b, tool, colour, filled=mode == "filled")
        if mode == "fill":
            return self.flood(b, tool, colour)
        raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")

    # -- whole-level edits -------------------------------------------------------------------
    def replace(self, level: Level, label: str = "replace level") -> bool:
        """Put a whole other level in (undoable)."""
        self.end()
        level = level.copy()

        def change():
            self.level = level

        return self._edit(label, change)

    def resize(self, height: int, width: int) -> bool:
        """Change the size (clamped to MIN_SIDE..MAX_SIDE a side), keeping the content."""
        height, width = clamp_side(height), clamp_side(width)
        if (height, width) == (self.level.height, self.level.width):
            return False
        return self.replace(resized(self.level, height, width), f"resize to {height}x{width}")

    def new(self, height: int = 9, width: int = 9) -> bool:
        """An empty walled room (undoable, like every edit)."""
        return self.replace(Level.empty(clamp_side(height), clamp_side(width)), "new level")

    def generate(self, distribution: str, seed: int) -> bool:
        """Replace the level with `generate(distribution, seed)`."""
        problem = distribution_problem(distribution)
        if problem:
            raise ValueError(problem)
        return self.replace(generate(distribution, int(seed)), f"generate {distribution} #{seed}")

    def set_name(self, name: str) -> bool:
        name = " ".join(str(name).split())[:MAX_NAME] or "untitled"

        def change():
            self.level.name = name

        return self._meta("rename", change)

    def set_description(self, text: str) -> bool:
        text = " ".join(str(text).split())[:MAX_DESCRIPTION]

        def change():
            self.level.description = text

        return self._meta("describe", change)

    def set_step_limit(self, steps: int) -> bool:
        steps = max(0, min(100_000, int(steps)))

        def change():
            self.level.step_limit = steps

        return self._meta("step limit", change)

    def _meta(self, label: str, change) -> bool:
        self.end()
        before = self.level.copy()
        change()
        if self._record(label, before):
            self.version += 1
            return True
        return False

    # -- history -----------------------------------------------------------------------------
    def undo(self) -> str | None:
        """Undo the last command; returns its label, or None when there is nothing to undo."""
        self.end()
        if not self.undo_stack:
            return None
        command = self.undo_stack.pop()
        self.redo_stack.append(command)
        self.level = command.before.copy()
        self.version += 1
        return command.label

    def redo(self) -> str | None:
        self.end()
        if not self.redo_stack:
            return None
        command = self.redo_stack.pop()
        self.undo_stack.append(command)
        self.level = command.after.copy()
        self.version += 1
        return command.label

    @property
    def can_undo(self) -> bool:
        return bool(self.undo_stack) or (self._group is not None and not self._group[1].same_as(self.level))

    @property
    def can_redo(self) -> bool:
        return bool(self.redo_stack)
