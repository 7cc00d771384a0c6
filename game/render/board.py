"""Drawing a level onto a surface: tiles, objective marks, trails, agent tokens, explain maps.

The renderer reads a Level and never changes it. Its caches key on everything that changes
pixels: a tile on (kind, colour, size, palette); a whole board on the grids' bytes, the size,
the palette and the objectives marked; an explain layer on the explanation and the size.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import pygame

from reddoor.game.core.constants import BALL, DOOR, KEY
from reddoor.game.core.level import Level
from reddoor.game.core.objectives import Objective

from .palette import COLOR_MARKERS, Palette
from .text import text_surface
from .tiles import MIN_LETTER_TILE, draw_tile, shade

BADGE_MIN = 14  # pixels a side: the smallest badge whose letter reads (tests/test_scenes.py)

# Every mark style, in the order objectives are shown; the style differs as well as the colour.
MARK_STYLES = ("solid", "dashed", "corners", "dotted", "solid")


def badge_rect(cell: pygame.Rect) -> pygame.Rect:
    """The letter badge over a cell too small for its own letter."""
    side = max(cell.w + 4, BADGE_MIN)
    rect = pygame.Rect(0, 0, side, side)
    rect.center = cell.center
    return rect


class _LRU(OrderedDict):
    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def get_or(self, key, make):
        value = self.get(key)
        if value is None:
            value = make()
            self[key] = value
            if len(self) > self.limit:
                self.popitem(last=False)
        else:
            self.move_to_end(key)
        return value


class BoardRenderer:
    """Draws levels at any tile size; holds only caches of pixels."""

    def __init__(self) -> None:
        self._tiles = _LRU(4096)
        self._boards = _LRU(12)
        self._explain = _LRU(8)

    # -- geometry (pure) --------------------------------------------------------------------
    @staticmethod
    def cell_at(
        origin: tuple[int, int], tile: int, shape: tuple[int, int], pos: tuple[int, int]
    ) -> tuple[int, int] | None:
        """The (row, col) under pixel `pos` for a board drawn at `origin`, or None."""
        if tile <= 0:
            return None
        col = (pos[0] - origin[0]) // tile
        row = (pos[1] - origin[1]) // tile
        if 0 <= row < shape[0] and 0 <= col < shape[1]:
            return int(row), int(col)
        return None

    # -- the level -------------------------------------------------------------------------
    def tile(self, kind: int, colour: int, size: int, palette: Palette) -> pygame.Surface:
        return self._tiles.get_or((kind, colour, size, palette.name), lambda: draw_tile(kind, colour, size, palette))

    def board(self, level: Level, tile: int, palette: Palette, marks: Sequence[Objective] = ()) -> pygame.Surface:
        """The level's tiles with the cells satisfying each objective in `marks` framed."""
        kind, colour = level.kind, level.color
        # An objective that depends on where objects lie (nearest the start) reads the start too.
        start = level.start if any(m.nearest for m in marks) else None
        key = (kind.shape, kind.tobytes(), colour.tobytes(), tile, palette.name, tuple(m.name for m in marks), start)
        dist = level.distances if start is not None else None
        return self._boards.get_or(key, lambda: self._make_board(kind, colour, tile, palette, marks, dist))

    def _make_board(
        self, kind: np.ndarray, colour: np.ndarray, tile: int, palette: Palette, marks, dist=None
    ) -> pygame.Surface:
        h, w = kind.shape
        surf = pygame.Surface((w * tile, h * tile))
        kl, cl = kind.tolist(), colour.tolist()
        blits = [
            (self.tile(kl[r][c], cl[r][c], tile, palette), (c * tile, r * tile)) for r in range(h) for c in range(w)
        ]
        surf.blits(blits, doreturn=False)
        badges = 4 <= tile < MIN_LETTER_TILE
        if badges:
            self._letter_badges(surf, kind, colour, tile, palette)
        for i, objective in enumerate(marks):
            cells = objective.cells(kind, colour, dist() if objective.nearest else None)
            rgb = palette.marks[i % len(palette.marks)]
            style = MARK_STYLES[i % len(MARK_STYLES)]
            for r, c in zip(*np.nonzero(cells)):
                cell = pygame.Rect(int(c) * tile, int(r) * tile, tile, tile)
                if badges:  # frame the badge, not the cell it covers
                    cell = badge_rect(cell).inflate(4 + 4 * i, 4 + 4 * i)
                draw_mark(surf, cell, i, rgb, style)
        return surf

    @staticmethod
    def _letter_badges(surf: pygame.Surface, kind: np.ndarray, colour: np.ndarray, tile: int, palette: Palette) -> None:
        """Tiles too small for a readable colour letter (a 25x25 maze beside four others): each object
        gets a badge a little bigger than its cell, in its colour, with its letter at a readable size
        (round for balls and keys, square for doors and boxes). Objects are sparse, so a badge only
        ever covers a bit of wall or floor."""
        for r, c in zip(*np.nonzero(kind >= DOOR)):
            k, col = int(kind[r, c]), int(colour[r, c])
            rect = badge_rect(pygame.Rect(int(c) * tile, int(r) * tile, tile, tile))
            size = max(9, round(rect.h * 0.72))
            body = palette.object_rgb(col)
            radius = rect.h // 2 if k in (BALL, KEY) else max(2, rect.h // 5)
            pygame.draw.rect(surf, body, rect, border_radius=radius)
            pygame.draw.rect(surf, shade(body, 0.45), rect, 1, border_radius=radius)
            letter = COLOR_MARKERS[col]
            glyph = text_surface(
                letter, size if len(letter) == 1 else max(8, size - 3), palette.marker_ink(col), bold=True
            )
            surf.blit(glyph, glyph.get_rect(center=(rect.centerx, rect.centery + 1)))

    def draw_board(
        self,
        surface: pygame.Surface,
        origin,
        level: Level,
        tile: int,
        palette: Palette,
        marks: Sequence[Objective] = (),
    ) -> pygame.Rect:
        if tile <= 0:
            return pygame.Rect(origin, (0, 0))
        return surface.blit(self.board(level, tile, palette, marks), origin)

    # -- agents ----------------------------------------------------------------------------
    @staticmethod
    def draw_trail(surface: pygame.Surface, origin, tile: int, trail: Sequence[tuple[int, int]], rgb) -> None:
        if tile < 3 or len(trail) < 2:
            return
        half = tile // 2
        points = [(origin[0] + c * tile + half, origin[1] + r * tile + half) for r, c in trail[-400:]]
        pygame.draw.lines(surface, shade(rgb, 0.62), False, points, max(1, tile // 7))

    @staticmethod
    def draw_token(
        surface: pygame.Surface, origin, tile: int, pos: tuple[int, int], heading: int, rgb, ring=None
    ) -> None:
        """The agent: a triangle pointing where it last moved (0 up, 1 down, 2 left, 3 right)."""
        if tile < 2:
            return
        x0, y0 = origin[0] + pos[1] * tile, origin[1] + pos[0] * tile
        cx, cy = x0 + tile / 2, y0 + tile / 2
        r = tile * 0.36
        tip = {0: (0, -1), 1: (0, 1), 2: (-1, 0), 3: (1, 0)}.get(heading, (1, 0))
        tx, ty = tip
        nx, ny = -ty, tx  # normal
        pts = [
            (cx + tx * r, cy + ty * r),
            (cx - tx * r * 0.8 + nx * r * 0.85, cy - ty * r * 0.8 + ny * r * 0.85),
            (cx - tx * r * 0.8 - nx * r * 0.85, cy - ty * r * 0.8 - ny * r * 0.85),
        ]
        if ring is not None:
            pygame.draw.circle(surface, ring, (round(cx), round(cy)), max(2, round(tile * 0.5)), max(1, tile // 9))
        pygame.draw.polygon(surface, rgb, pts)
        if tile >= 8:
            pygame.draw.polygon(surface, (10, 10, 12), pts, max(1, tile // 14))

    # -- explain ---------------------------------------------------------------------------
    def explain_layer(
        self,
        key,
        heat: np.ndarray | None,
        arrows: np.ndarray | None,
        tile: int,
        palette: Palette,
        objects: np.ndarray | None = None,
    ) -> pygame.Surface | None:
        """A translucent layer for an explanation (heat map and/or action arrows); `key` names it.

        On `objects` cells the heat is a corner badge, not a fill, so the object's own colour
        (the whole question) stays readable under the map.
        """
        if tile <= 0 or (heat is None and arrows is None):
            return None
        return self._explain.get_or(
            (key, tile, palette.name), lambda: _make_explain(heat, arrows, tile, palette, objects)
        )


def _make_explain(heat, arrows, tile: int, palette: Palette, objects=None) -> pygame.Surface:
    shape = (heat if heat is not None else arrows).shape[:2]
    h, w = shape
    layer = pygame.Surface((w * tile, h * tile), pygame.SRCALPHA)
    if heat is not None:
        values = np.asarray(heat, np.float64)
        finite = np.isfinite(values)
        if finite.any():
            lo, hi = float(values[finite].min()), float(values[finite].max())
            t = np.zeros_like(values) if hi - lo < 1e-12 else (np.where(finite, values, lo) - lo) / (hi - lo)
            low, high = np.array(palette.heat_low, np.float64), np.array(palette.heat_high, np.float64)
            rgba = np.zeros((h, w, 4), np.uint8)
            rgba[..., :3] = (low + (high - low) * t[..., None]).astype(np.uint8)
            frame = finite if objects is None else finite & objects
            rgba[..., 3] = np.where(finite & ~frame, 125, 0).astype(np.uint8)
            small = pygame.image.frombuffer(np.ascontiguousarray(rgba).tobytes(), (w, h), "RGBA")
            layer.blit(pygame.transform.scale(small, (w * tile, h * tile)), (0, 0))
            if objects is not None:
                # A badge in the cell's top-left corner, clear of the object's body and its letter.
                side = max(4, round(tile * 0.32))
                inset = 1
                for r, c in zip(*np.nonzero(frame)):
                    rgb = tuple(int(v) for v in rgba[r, c, :3])
                    badge = pygame.Rect(int(c) * tile + inset, int(r) * tile + inset, side, side)
                    pygame.draw.rect(layer, rgb + (255,), badge)
                    pygame.draw.rect(layer, (10, 10, 14, 255), badge, 1)
    if arrows is not None and tile >= 6:
        probs = np.asarray(arrows, np.float64)
        half = tile / 2
        width = max(1, tile // 12)
        for r, c in zip(*np.nonzero(np.isfinite(probs).all(axis=2))):
            p = probs[r, c]
            cx, cy = c * tile + half, r * tile + half
            best = int(np.argmax(p))
            for a, (dy, dx) in enumerate(((-1, 0), (1, 0), (0, -1), (0, 1))):
                if p[a] < 0.08:
                    continue
                length = half * 0.85 * float(min(1.0, p[a]))
                end = (cx + dx * length, cy + dy * length)
                pygame.draw.line(layer, palette.arrow + (235,), (cx, cy), end, width)
                if a == best and tile >= 10:
                    hx, hy = dx * tile * 0.16, dy * tile * 0.16
                    pygame.draw.polygon(
                        layer,
                        palette.arrow + (235,),
                        [
                            (end[0] + hx * 0.6, end[1] + hy * 0.6),
                            (end[0] - hx + hy * 0.8, end[1] - hy - hx * 0.8),
                            (end[0] - hx - hy * 0.8, end[1] - hy + hx * 0.8),
                        ],
                    )
    return layer


_RAMPS: dict[tuple, pygame.Surface] = {}


def heat_ramp(width: int, height: int, palette: Palette) -> pygame.Surface:
    """The heat map's colour scale, low (left) to high (right), for the legend."""
    key = (width, height, palette.name)
    ramp = _RAMPS.get(key)
    if ramp is None:
        t = np.linspace(0.0, 1.0, max(1, width))[:, None]
        low, high = np.array(palette.heat_low, np.float64), np.array(palette.heat_high, np.float64)
        row = (low + (high - low) * t).astype(np.uint8)  # (width, 3)
        pixels = np.repeat(row[:, None, :], max(1, height), axis=1)  # (width, height, 3): surfarray order
        ramp = _RAMPS[key] = pygame.surfarray.make_surface(pixels)
        if len(_RAMPS) > 16:
            _RAMPS.pop(next(iter(_RAMPS)))
    return ramp


def draw_mark(surface: pygame.Surface, cell: pygame.Rect, index: int, rgb, style: str) -> None:
    """Frame a cell for the index-th shown objective; nested frames when a cell satisfies several."""
    t = cell.w
    width = max(1 if t < 10 else 2, round(t / 12))
    inset = index * (width + 1)
    rect = cell.inflate(-2 * inset, -2 * inset)
    if rect.w < 3 or t < 4:
        return
    if style == "solid":
        pygame.draw.rect(surface, rgb, rect, width)
    elif style == "dashed":
        dash = max(2, t // 5)
        x0, y0, x1, y1 = rect.left, rect.top, rect.right - 1, rect.bottom - 1
        for x in range(x0, x1, dash * 2):
            pygame.draw.line(surface, rgb, (x, y0), (min(x + dash, x1), y0), width)
            pygame.draw.line(surface, rgb, (x, y1 - width + 1), (min(x + dash, x1), y1 - width + 1), width)
        for y in range(y0, y1, dash * 2):
            pygame.draw.line(surface, rgb, (x0, y), (x0, min(y + dash, y1)), width)
            pygame.draw.line(surface, rgb, (x1 - width + 1, y), (x1 - width + 1, min(y + dash, y1)), width)
    elif style == "corners":
        arm = max(2, rect.w // 4)
        for x, y, dx, dy in (
            (rect.left, rect.top, 1, 1),
            (rect.right - 1, rect.top, -1, 1),
            (rect.left, rect.bottom - 1, 1, -1),
            (rect.right - 1, rect.bottom - 1, -1, -1),
        ):
            pygame.draw.line(surface, rgb, (x, y), (x + dx * arm, y), width + 1)
            pygame.draw.line(surface, rgb, (x, y), (x, y + dy * arm), width + 1)
    else:  # dotted
        step = max(3, t // 6)
        rad = max(1, width)
        for x in range(rect.left + rad, rect.right - rad, step):
            pygame.draw.circle(surface, rgb, (x, rect.top + rad), rad)
            pygame.draw.circle(surface, rgb, (x, rect.bottom - rad - 1), rad)
        for y in range(rect.top + rad, rect.bottom - rad, step):
            pygame.draw.circle(surface, rgb, (rect.left + rad, y), rad)
            pygame.draw.circle(surface, rgb, (rect.right - rad - 1, y), rad)


def draw_mark_swatch(surface: pygame.Surface, rect: pygame.Rect, index: int, palette: Palette) -> None:
    """The legend's sample of an objective's mark: a floor cell framed in that style."""
    pygame.draw.rect(surface, palette.floor, rect)
    draw_mark(surface, rect, 0, palette.marks[index % len(palette.marks)], MARK_STYLES[index % len(MARK_STYLES)])
