"""Where the editor's buttons and board go for a window size. Every group of buttons is laid out
from its table (tools, colours, draw modes, ...) in rows of two, so a longer table takes more rows,
never the space of the next group."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pygame

from reddoor.game.core.constants import N_COLORS
from reddoor.game.render.text import line_height, text_width
from reddoor.game.scenes.widgets import Button

from .tools import MODE_TABLE, TOOL_TABLE, DrawMode, Tool

TOP_BAR = 40
STATUS_BAR = 28
MAX_TILE = 56
FILE_BUTTONS = (
    ("Open", "open", "^O"),
    ("Save", "save", "^S"),
    ("Save as", "save_as", ""),
    ("Try it ▶", "try", "T"),
    ("Help", "help", "F1"),
)
LEVEL_BUTTONS = (
    ("New", "new", "^N"),
    ("Generate…", "generate", "G"),
    ("Rename", "rename", "N"),
    ("Describe", "describe", "⇧N"),
)


@dataclass
class EditorLayout:
    size: tuple[int, int]
    fs: int
    buttons: list[Button]
    headers: list[tuple[str, int]]  # group titles in the left panel and their y
    size_rows: dict[str, int]  # "Rows" / "Cols" -> y of its − + row
    left_w: int
    right_w: int
    top_right: int  # the top bar's text ends here (the file buttons start)
    board: pygame.Rect = field(default_factory=lambda: pygame.Rect(0, 0, 0, 0))
    tile: int = 0


def font_size(size: tuple[int, int]) -> int:
    return 16 if size[1] >= 600 and size[0] >= 1000 else 14 if size[1] >= 420 else 12


def layout_editor(
    size: tuple[int, int],
    level_shape: tuple[int, int],
    swatches,
    tools: tuple[Tool, ...] = TOOL_TABLE,
    modes: tuple[DrawMode, ...] = MODE_TABLE,
) -> EditorLayout:
    w, h = size
    fs = font_size(size)
    bh = max(18, line_height(fs) + 8)
    left_w = min(250, max(120, w // 5))
    right_w = min(320, max(0, w // 4)) if w >= 700 else 0
    buttons: list[Button] = []
    x = w - 8
    for label, command, hint in reversed(FILE_BUTTONS):
        bw = text_width(label, fs) + (text_width(hint, fs - 2) + 10 if hint else 0) + 18
        x -= bw
        buttons.append(Button(pygame.Rect(x, 6, bw, TOP_BAR - 12), label, command, hint=hint))
        x -= 6
    out = EditorLayout(size, fs, buttons, [], {}, left_w, right_w, x)
    col_w = (left_w - 24) // 2
    y = TOP_BAR + 8

    def header(text: str) -> None:
        nonlocal y
        out.headers.append((text, y))
        y += line_height(fs - 1) + 2

    def grid(entries) -> None:
        """Buttons two to a row, as many rows as the entries need."""
        nonlocal y
        for i, (label, command, hint) in enumerate(entries):
            r, c = divmod(i, 2)
            buttons.append(
                Button(pygame.Rect(8 + c * (col_w + 8), y + r * (bh + 4), col_w, bh), label, command, hint=hint)
            )
        y += math.ceil(len(entries) / 2) * (bh + 4) + 6

    header("Tool")
    grid([(t.label, f"tool:{t.name}", t.key_label) for t in tools])
    header("Colour")
    sw = (left_w - 16 - 4 * (N_COLORS - 1)) // N_COLORS
    for i in range(N_COLORS):
        buttons.append(
            Button(pygame.Rect(8 + i * (sw + 4), y, sw, bh + 4), str(i + 1), f"colour:{i}", swatch=swatches[i])
        )
    y += bh + 12
    header("Draw")
    grid([(m.short, f"mode:{m.name}", m.key_label) for m in modes])
    header("History")
    grid([("Undo", "undo", "^Z"), ("Redo", "redo", "^Y")])
    header("Size")
    for label, more, fewer in (("Rows", "rows_more", "rows_fewer"), ("Cols", "cols_more", "cols_fewer")):
        out.size_rows[label] = y
        buttons.append(Button(pygame.Rect(left_w - 8 - 2 * bh - 4, y, bh, bh), "−", fewer))
        buttons.append(Button(pygame.Rect(left_w - 8 - bh, y, bh, bh), "+", more))
        y += bh + 4
    buttons.append(Button(pygame.Rect(8, y, left_w - 16, bh), "Resize…", "resize", hint="^R"))
    y += bh + 10
    header("Level")
    grid(LEVEL_BUTTONS)
    # The board: the biggest whole-pixel tile that fits between the panels.
    area = pygame.Rect(
        left_w + 12, TOP_BAR + 12, max(1, w - left_w - right_w - 24), max(1, h - TOP_BAR - STATUS_BAR - 24)
    )
    rows, cols = level_shape
    out.tile = max(1, min(MAX_TILE, area.w // cols, area.h // rows))
    bw_, bh_ = out.tile * cols, out.tile * rows
    out.board = pygame.Rect(area.left + (area.w - bw_) // 2, area.top + (area.h - bh_) // 2, bw_, bh_)
    return out
