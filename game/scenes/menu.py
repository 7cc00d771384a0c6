"""A modal list over a scene: choose one item (levels, distributions) or tick several (agents, objectives)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pygame

from reddoor.game.render.palette import Palette
from reddoor.game.render.text import draw_text, elide, line_height


@dataclass
class MenuItem:
    label: str
    value: Any
    detail: str = ""  # a second, dimmer line (a level's description, or why it cannot be chosen)
    enabled: bool = True
    checked: bool = False


class Menu:
    """Up/Down (or the mouse wheel) to move, Enter or a click to choose; in a multi menu Space or a
    click ticks and Enter applies. Esc always cancels: nothing chosen, no tick applied."""

    ROW = 2  # rows of text per item

    def __init__(
        self, title: str, items: list[MenuItem], on_done: Callable[[Any], None], multi: bool = False, hint: str = ""
    ):
        self.title = title
        self.items = items
        self.on_done = on_done
        self.multi = multi
        self.hint = hint or (
            "Space/click: tick   Enter: apply   Esc: cancel" if multi else "↑↓ move   Enter/click: choose   Esc: cancel"
        )
        self.cursor = next((i for i, it in enumerate(items) if it.enabled), 0)
        self.scroll = 0
        self.closed = False
        self._rows: list[tuple[pygame.Rect, int]] = []
        self._size = (0, 0)

    # -- input -------------------------------------------------------------------------------
    def handle_event(self, event) -> bool:
        if event.type == pygame.KEYDOWN:
            key = event.key
            if key in (pygame.K_UP, pygame.K_k):
                self._move(-1)
            elif key in (pygame.K_DOWN, pygame.K_j):
                self._move(1)
            elif key == pygame.K_PAGEUP:
                self._move(-8)
            elif key == pygame.K_PAGEDOWN:
                self._move(8)
            elif key == pygame.K_HOME:
                self._move(-len(self.items))
            elif key == pygame.K_END:
                self._move(len(self.items))
            elif key == pygame.K_SPACE and self.multi:
                self._toggle(self.cursor)
            elif key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                if self.multi:
                    self._finish(apply=True)
                else:
                    self._choose(self.cursor)
            elif key == pygame.K_ESCAPE:
                self._finish(apply=False)
            return True  # a modal menu swallows every key
        if event.type == pygame.MOUSEWHEEL:
            self._move(-event.y)
            return True
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            for rect, index in self._rows:
                if rect.collidepoint(event.pos):
                    self.cursor = index
                    if self.multi:
                        self._toggle(index)
                    else:
                        self._choose(index)
                    return True
            return True
        return event.type in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP, pygame.KEYUP)

    def _move(self, delta: int) -> None:
        if not self.items:
            return
        i = max(0, min(len(self.items) - 1, self.cursor + delta))
        step = 1 if delta > 0 else -1
        j = i
        while 0 <= j < len(self.items) and not self.items[j].enabled:
            j += step
        if not 0 <= j < len(self.items):  # nothing enabled that way: stay or search back
            j = i
            while 0 <= j < len(self.items) and not self.items[j].enabled:
                j -= step
        if 0 <= j < len(self.items):
            self.cursor = j

    def _toggle(self, index: int) -> None:
        if 0 <= index < len(self.items) and self.items[index].enabled:
            self.items[index].checked = not self.items[index].checked

    def _choose(self, index: int) -> None:
        if 0 <= index < len(self.items) and self.items[index].enabled:
            self.closed = True
            self.on_done(self.items[index].value)

    def _finish(self, apply: bool) -> None:
        self.closed = True
        if apply:
            self.on_done([it.value for it in self.items if it.checked])
        elif not self.multi:
            self.on_done(None)

    # -- layout and drawing ------------------------------------------------------------------
    def layout(self, size: tuple[int, int]) -> None:
        """Where each visible row is, for a window of `size` (called before drawing and clicking)."""
        self._size = size
        w, h = size
        fs = 17 if h >= 420 else 13
        lh = line_height(fs)
        box = self._box(size, lh)
        per = max(1, (box.h - 3 * lh - 16) // (lh * self.ROW))
        if self.cursor < self.scroll:
            self.scroll = self.cursor
        elif self.cursor >= self.scroll + per:
            self.scroll = self.cursor - per + 1
        self.scroll = max(0, min(self.scroll, max(0, len(self.items) - per)))
        top = box.top + lh + 14
        self._rows = []
        for index in range(self.scroll, min(len(self.items), self.scroll + per)):
            self._rows.append((pygame.Rect(box.left + 6, top, box.w - 12, lh * self.ROW), index))
            top += lh * self.ROW

    @staticmethod
    def _box(size, lh) -> pygame.Rect:
        w, h = size
        bw, bh = min(760, max(40, w - 40)), max(40, h - 60)
        return pygame.Rect((w - bw) // 2, (h - bh) // 2, bw, bh)

    def draw(self, surface: pygame.Surface, palette: Palette) -> None:
        size = surface.get_size()
        fs = 17 if size[1] >= 420 else 13
        lh = line_height(fs)
        rows = self._rows if self._size == size else []
        shade = pygame.Surface(size, pygame.SRCALPHA)
        shade.fill((0, 0, 0, 170))
        surface.blit(shade, (0, 0))
        box = self._box(size, lh)
        pygame.draw.rect(surface, palette.panel, box, border_radius=6)
        pygame.draw.rect(surface, palette.panel_edge, box, 2, border_radius=6)
        draw_text(
            surface, self.title, (box.left + 12, box.top + 6), fs + 2, palette.text, bold=True, max_width=box.w - 24
        )
        for rect, index in rows:
            item = self.items[index]
            if index == self.cursor:
                pygame.draw.rect(surface, (60, 66, 84), rect, border_radius=4)
            x = rect.left + 8
            ink = palette.text if item.enabled else palette.bad
            if self.multi:
                mark = pygame.Rect(x, rect.top + (lh - 14) // 2 + 2, 14, 14)
                pygame.draw.rect(surface, palette.text_dim, mark, 2)
                if item.checked:
                    pygame.draw.rect(surface, palette.good, mark.inflate(-6, -6))
                x += 22
            draw_text(surface, item.label, (x, rect.top + 2), fs, ink, max_width=rect.right - x - 6)
            if item.detail:
                draw_text(
                    surface,
                    elide(item.detail, fs - 3, rect.right - x - 6),
                    (x, rect.top + lh),
                    fs - 3,
                    palette.text_dim if item.enabled else palette.bad,
                )
        if self.scroll > 0:
            draw_text(surface, "▲ more", (box.right - 14, box.top + 8), fs - 3, palette.text_dim, anchor="topright")
        if rows and rows[-1][1] < len(self.items) - 1:
            draw_text(
                surface, "▼ more", (box.right - 14, box.bottom - lh - 4), fs - 3, palette.text_dim, anchor="topright"
            )
        draw_text(
            surface, self.hint, (box.left + 12, box.bottom - lh - 4), fs - 3, palette.text_dim, max_width=box.w - 100
        )
