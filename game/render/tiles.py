"""One cell drawn at any size: floor, wall and each object kind in its colour, with its colour letter.

Pure drawing: a tile depends only on (kind, colour, size, palette), which is exactly the cache key
BoardRenderer uses.
"""

from __future__ import annotations

import pygame

from reddoor.game.core.constants import BALL, BOX, DOOR, FLOOR, KEY, WALL

from .palette import COLOR_MARKERS, Palette
from .text import text_surface

MIN_LETTER_TILE = 14  # below this a letter inside the tile cannot be readable (board.py draws a badge)
MIN_LETTER_PX = 10  # no colour letter is drawn smaller than this


def shade(rgb, factor: float):
    """Darker (factor < 1) or lighter (factor > 1, towards white) version of a colour."""
    if factor <= 1:
        return tuple(int(v * factor) for v in rgb)
    return tuple(int(v + (255 - v) * (factor - 1)) for v in rgb)


def draw_tile(kind: int, colour: int, size: int, palette: Palette) -> pygame.Surface:
    """A new size x size surface showing one cell."""
    s = max(1, int(size))
    surf = pygame.Surface((s, s))
    surf.fill(palette.floor)
    if s >= 8:
        pygame.draw.line(surf, palette.floor_line, (s - 1, 0), (s - 1, s - 1))
        pygame.draw.line(surf, palette.floor_line, (0, s - 1), (s - 1, s - 1))
    if kind == FLOOR:
        return surf
    if kind == WALL:
        surf.fill(palette.wall)
        if s >= 6:
            e = max(1, s // 10)
            pygame.draw.rect(surf, palette.wall_edge, (0, s - e, s, e))
            pygame.draw.rect(surf, palette.wall_edge, (s - e, 0, e, s))
            pygame.draw.rect(surf, shade(palette.wall, 1.15), (0, 0, s - e, e))
        return surf

    body = palette.object_rgb(colour)
    dark = shade(body, 0.45)
    letter_pos = (s / 2, s / 2)
    if kind == DOOR:
        m = max(1, round(s * 0.06))
        rect = pygame.Rect(m, m, s - 2 * m, s - 2 * m)
        pygame.draw.rect(surf, body, rect)
        if s >= 10:
            inner = rect.inflate(-2 * max(1, round(s * 0.14)), -2 * max(1, round(s * 0.14)))
            pygame.draw.rect(surf, dark, inner, max(1, round(s * 0.05)))
            knob = max(1, round(s * 0.06))
            pygame.draw.circle(surf, dark, (rect.right - max(2, round(s * 0.16)), s // 2 + max(1, s // 6)), knob)
    elif kind == BALL:
        r = max(1, round(s * 0.38))
        pygame.draw.circle(surf, body, (s // 2, s // 2), r)
        if s >= 10:
            pygame.draw.circle(surf, dark, (s // 2, s // 2), r, max(1, round(s * 0.05)))
    elif kind == BOX:
        m = max(1, round(s * 0.14))
        rect = pygame.Rect(m, m, s - 2 * m, s - 2 * m)
        pygame.draw.rect(surf, shade(body, 0.55), rect)
        pygame.draw.rect(surf, body, rect, max(1, round(s * 0.09)))
        if s >= 10:
            pygame.draw.line(
                surf,
                body,
                (rect.left, rect.top + rect.h // 3),
                (rect.right - 1, rect.top + rect.h // 3),
                max(1, round(s * 0.06)),
            )
        letter_pos = (s / 2, rect.top + rect.h * 0.62)
    elif kind == KEY:
        # Ring bottom-left, shaft to the right with two teeth; the colour letter sits above the shaft.
        w = max(1, round(s * 0.11))
        cx, cy, r = round(s * 0.28), round(s * 0.66), max(2, round(s * 0.2))
        pygame.draw.circle(surf, body, (cx, cy), r, w)
        y = cy - w // 2
        pygame.draw.rect(surf, body, (cx + r - 1, y, round(s * 0.9) - (cx + r - 1), w))
        for tx in (0.66, 0.8):
            pygame.draw.rect(surf, body, (round(s * tx), y + w, w, max(1, round(s * 0.14))))
        letter_pos = (s * 0.64, s * 0.3)
    if s >= MIN_LETTER_TILE:
        _letter(
            surf,
            COLOR_MARKERS[colour],
            letter_pos,
            s,
            palette.marker_ink(colour) if kind in (DOOR, BALL) else (250, 250, 250) if kind == BOX else body,
        )
    return surf


def _letter(surf: pygame.Surface, letter: str, pos, s: int, ink) -> None:
    size = max(MIN_LETTER_PX - (len(letter) > 1), round(s * (0.46 if len(letter) == 1 else 0.36)))
    glyph = text_surface(letter, size, ink, bold=True)
    surf.blit(glyph, glyph.get_rect(center=(round(pos[0]), round(pos[1]) + 1)))
