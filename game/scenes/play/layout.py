"""Where everything in the play view goes, from the window size alone: panels, sidebar, status line.
Rectangles and font sizes only; nothing is drawn here."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pygame

from reddoor.game.render.text import line_height

MIN_FONT = 11  # no text the view shows is smaller (percentages included)
HEADER_LINES = 3  # name and state; the last episode; its O_base / O_alt marks
MAX_TILE = 64


@dataclass(frozen=True)
class PanelLayout:
    rect: pygame.Rect  # the whole panel
    board: pygame.Rect  # where the level is drawn
    tile: int


@dataclass(frozen=True)
class Layout:
    size: tuple[int, int]
    fs: int  # font size
    lh: int  # line height
    panels: tuple[PanelLayout, ...]
    sidebar: pygame.Rect | None
    status: pygame.Rect
    header_totals: bool = False  # no room for the sidebar: each panel's header carries its totals
    card: pygame.Rect | None = None  # the tour's caption card, under the panels

    @property
    def small(self) -> int:
        """The smaller font (second header lines, table cells): never below MIN_FONT."""
        return max(MIN_FONT, self.fs - 2)


def font_size(w: int, h: int) -> int:
    return 15 if h >= 560 and w >= 900 else 13 if h >= 300 else MIN_FONT


def card_font(w: int) -> int:
    """The tour card's caption size: big enough to read from the back of a room, never tiny."""
    return max(MIN_FONT + 3, min(30, w // 46))


def compute_layout(
    size: tuple[int, int], n_panels: int, level_shape: tuple[int, int], sidebar: bool = True, card_h: int = 0
) -> Layout:
    """Panels in the grid (columns x rows) that gives the biggest tiles; a sidebar when there is room;
    `card_h` pixels under the panels for the tour's caption card (at most half the window)."""
    w, h = max(1, size[0]), max(1, size[1])
    fs = font_size(w, h)
    lh = line_height(fs)
    status = pygame.Rect(0, max(0, h - lh - 8), w, lh + 8)
    side_w = 0
    if sidebar and w >= 720 and h >= 260:
        side_w = int(min(420, max(300, w * 0.28)))
    side = pygame.Rect(w - side_w, 0, side_w, status.top) if side_w else None
    pad, gap = 8, 10
    card_h = max(0, min(card_h, status.top // 2))
    card = pygame.Rect(pad, status.top - card_h, max(1, w - side_w - 2 * pad), card_h) if card_h else None
    area = pygame.Rect(pad, pad, max(1, w - side_w - 2 * pad), max(1, status.top - card_h - 2 * pad))
    header_totals = sidebar and side is None
    small_lh = line_height(max(MIN_FONT, fs - 2))
    header = lh + (HEADER_LINES - 1 + header_totals) * small_lh + 6
    n = max(1, n_panels)
    rows_l, cols_l = level_shape
    best = None
    for cols in range(1, n + 1):
        rows = math.ceil(n / cols)
        cw = (area.w - gap * (cols - 1)) / cols
        ch = (area.h - gap * (rows - 1)) / rows
        tile = int(min((cw - 8) / cols_l, (ch - header - 8) / rows_l))
        score = (tile, -rows)
        if best is None or score > best[0]:
            best = (score, cols, rows, cw, ch, tile)
    _, cols, rows, cw, ch, tile = best
    tile = max(0, min(tile, MAX_TILE))
    panels = []
    board_w, board_h = tile * cols_l, tile * rows_l
    panel_w = int(min(cw, max(board_w + 8, 240 if cw >= 240 else cw)))
    panel_h = int(min(ch, board_h + header + 8))
    used_rows = math.ceil(n_panels / cols) if n_panels else 1
    top = area.top + max(0, (area.h - (used_rows * panel_h + (used_rows - 1) * gap)) // 2)
    for i in range(n_panels):
        r, c = divmod(i, cols)
        x = area.left + int(c * (cw + gap) + (cw - panel_w) / 2)
        y = top + r * (panel_h + gap)
        rect = pygame.Rect(x, y, max(1, panel_w), max(1, panel_h))
        board = pygame.Rect(rect.left + (rect.w - board_w) // 2, rect.top + header + 2, board_w, board_h)
        panels.append(PanelLayout(rect, board, tile))
    return Layout((w, h), fs, lh, tuple(panels), side, status, header_totals, card)
