"""The editor's one table of tools and one of draw modes. The key bindings, the help rows, the
toolbar's buttons and what a stroke does are all read from these tables: a new tool or mode is one
row here (and, for a tool, its cell kind in game/core/editing.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pygame

from reddoor.game.core.constants import DOOR, FLOOR
from reddoor.game.core.editing import MODES, TOOL_KIND, TOOLS, flood_cells, line_cells, rect_cells
from reddoor.game.core.level import Level
from reddoor.game.scenes.keymap import Key

K = pygame
Cell = tuple[int, int]


@dataclass(frozen=True)
class Tool:
    name: str  # as game.core.editing.TOOLS names it
    key: Key
    help: str

    @property
    def key_label(self) -> str:
        return chr(self.key.key).upper()

    @property
    def label(self) -> str:
        return self.name.capitalize()

    @property
    def takes_colour(self) -> bool:
        return takes_colour(self.name)


@dataclass(frozen=True)
class DrawMode:
    """How a tool is applied. `stroke` says when the document changes: "paint" on every cell the
    drag passes, "span" once on release (from the press to the release cell), "click" once on press.
    `cells(level, anchor, cursor)` are the cells it would paint (drawn as a preview)."""

    name: str  # as game.core.editing.MODES names it (Document.apply takes it)
    key: Key
    key_label: str
    label: str
    short: str  # on its toolbar button
    help: str
    stroke: str
    cells: Callable[[Level, Cell, Cell], list[Cell]]


TOOL_TABLE: tuple[Tool, ...] = (
    Tool("wall", Key(K.K_w), "wall tool"),
    Tool("floor", Key(K.K_f), "floor tool"),
    Tool("door", Key(K.K_d), "door tool"),
    Tool("key", Key(K.K_k), "key tool"),
    Tool("ball", Key(K.K_b), "ball tool"),
    Tool("box", Key(K.K_x), "box tool"),
    Tool("start", Key(K.K_s), "agent start tool"),
    Tool("erase", Key(K.K_e), "erase tool: back to floor (so does the right button)"),
)

MODE_TABLE: tuple[DrawMode, ...] = (
    DrawMode(
        "pencil",
        Key(K.K_p),
        "P",
        "Pencil",
        "Pencil",
        "pencil: paint cells as you drag",
        "paint",
        lambda level, a, b: [b],
    ),
    DrawMode(
        "line",
        Key(K.K_l),
        "L",
        "Line",
        "Line",
        "line: drag from end to end",
        "span",
        lambda level, a, b: line_cells(a, b),
    ),
    DrawMode(
        "rect",
        Key(K.K_r),
        "R",
        "Rectangle",
        "Rect",
        "rectangle outline: drag corner to corner",
        "span",
        lambda level, a, b: rect_cells(a, b, False),
    ),
    DrawMode(
        "filled",
        Key(K.K_r, shift=True),
        "⇧R",
        "Filled rect",
        "Filled",
        "filled rectangle",
        "span",
        lambda level, a, b: rect_cells(a, b, True),
    ),
    DrawMode(
        "fill",
        Key(K.K_u),
        "U",
        "Flood fill",
        "Fill",
        "flood fill: click a region",
        "click",
        lambda level, a, b: flood_cells(level, b),
    ),
)

TOOLS_BY_NAME = {t.name: t for t in TOOL_TABLE}
MODES_BY_NAME = {m.name: m for m in MODE_TABLE}
assert tuple(TOOLS_BY_NAME) == TOOLS and tuple(MODES_BY_NAME) == MODES, (
    "the editor's tables and game.core.editing differ"
)


def takes_colour(tool: str) -> bool:
    return TOOL_KIND.get(tool, FLOOR) >= DOOR


def tool_for_kind(kind: int) -> str:
    """The tool that paints cells of `kind` (the eyedropper)."""
    return next(name for name, k in TOOL_KIND.items() if k == kind and name != "erase")
