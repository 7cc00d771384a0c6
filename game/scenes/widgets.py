"""Small modal widgets for the editor: a button, a one-line text entry, a question with answers.

Each modal has `handle_event(event) -> bool` (a modal swallows every input event), `draw(surface,
palette)` and `closed`. Text comes from pygame TEXTINPUT events (what the keyboard layout and
input method typed); KEYDOWN only moves the cursor, deletes, confirms or cancels.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import pygame

from reddoor.game.render.palette import Palette
from reddoor.game.render.text import draw_text, line_height, text_width, wrap

INPUT_EVENTS = (
    pygame.KEYDOWN,
    pygame.KEYUP,
    pygame.TEXTINPUT,
    pygame.TEXTEDITING,
    pygame.MOUSEBUTTONDOWN,
    pygame.MOUSEBUTTONUP,
    pygame.MOUSEMOTION,
    pygame.MOUSEWHEEL,
)


@dataclass
class Button:
    """A clickable rectangle that runs a command; `active` draws it pressed (the current tool)."""

    rect: pygame.Rect
    label: str
    command: str
    hint: str = ""  # the key, shown dimmer after the label
    enabled: bool = True
    active: bool = False
    icon: pygame.Surface | None = None
    swatch: tuple | None = None  # a colour chip instead of text

    def draw(self, surface: pygame.Surface, pal: Palette, fs: int, hover: bool = False) -> None:
        fill = (70, 78, 102) if self.active else (48, 52, 64) if hover and self.enabled else (38, 41, 51)
        pygame.draw.rect(surface, fill, self.rect, border_radius=4)
        edge = pal.selected if self.active else pal.panel_edge
        pygame.draw.rect(surface, edge, self.rect, 2 if self.active else 1, border_radius=4)
        ink = pal.text if self.enabled else (95, 99, 110)
        x = self.rect.left + 6
        if self.swatch is not None:
            chip = self.rect.inflate(-8, -8)
            pygame.draw.rect(surface, self.swatch, chip, border_radius=3)
            if self.label:
                lum_ink = (15, 15, 20) if sum(self.swatch) > 420 else (250, 250, 250)
                draw_text(surface, self.label, chip.center, fs, lum_ink, anchor="center", bold=True)
            return
        if self.icon is not None:
            iy = self.rect.centery - self.icon.get_height() // 2
            surface.blit(self.icon, (x, iy))
            x += self.icon.get_width() + 6
        right = self.rect.right - 6
        if self.hint:
            right = (
                draw_text(surface, self.hint, (right, self.rect.centery), fs - 2, pal.text_dim, anchor="midright").left
                - 4
            )
        if self.icon is None and not self.hint:
            draw_text(surface, self.label, self.rect.center, fs, ink, anchor="center", max_width=self.rect.w - 6)
        else:
            draw_text(
                surface, self.label, (x, self.rect.centery), fs, ink, anchor="midleft", max_width=max(0, right - x)
            )


def _dialog_box(size, width: int, height: int) -> pygame.Rect:
    w, h = size
    bw, bh = min(width, max(40, w - 20)), min(height, max(40, h - 20))
    return pygame.Rect((w - bw) // 2, (h - bh) // 2, bw, bh)


def _shade(surface: pygame.Surface) -> None:
    veil = pygame.Surface(surface.get_size(), pygame.SRCALPHA)
    veil.fill((0, 0, 0, 160))
    surface.blit(veil, (0, 0))


class TextPrompt:
    """One line of text: type, Left/Right/Home/End, Backspace/Delete, Enter confirms, Esc cancels.

    It opens with the old text selected, as text fields do: typing replaces it, Backspace or Delete
    clears it, an arrow, Home or End keeps it and moves the cursor; Ctrl+A selects it all again.

    `validate(text)` returns an error message to show (and keep the prompt open) or None.
    `on_done(text)` gets the text, or None when cancelled.
    """

    def __init__(
        self,
        title: str,
        text: str,
        on_done: Callable[[str | None], None],
        *,
        hint: str = "",
        max_length: int = 60,
        validate: Callable[[str], str | None] | None = None,
    ):
        self.title = title
        self.text = text[:max_length]
        self.cursor = len(self.text)
        self.selected = bool(self.text)  # the whole text, until a key keeps or replaces it
        self.on_done = on_done
        self.hint = hint
        self.max_length = max_length
        self.validate = validate
        self.error = ""
        self.closed = False
        # SDL sends the character of the key that opened the prompt as a TEXTINPUT right after the
        # KEYDOWN; `swallow` (set by the opener) drops that one echo.
        self.swallow: str | None = None
        self._ok_rect = pygame.Rect(0, 0, 0, 0)
        self._cancel_rect = pygame.Rect(0, 0, 0, 0)
        try:
            pygame.key.start_text_input()
        except pygame.error:
            pass

    def insert(self, typed: str) -> None:
        # Printable characters only; a combining mark or variation selector (U+FE0F) only after a
        # character it can combine with, never alone at the start.
        kept: list[str] = []
        for ch in typed:
            category = unicodedata.category(ch)
            has_base = bool(kept) or self.cursor > 0
            if ch.isprintable() and category != "Cf" and (category[0] != "M" or has_base):
                kept.append(ch)
        typed = "".join(kept)
        if typed and self.selected:
            self.text, self.cursor = "", 0
        self.selected = False
        room = self.max_length - len(self.text)
        typed = typed[: max(0, room)]
        self.text = self.text[: self.cursor] + typed + self.text[self.cursor :]
        self.cursor += len(typed)
        self.error = ""

    def finish(self, ok: bool) -> None:
        if ok and self.validate is not None:
            message = self.validate(self.text)
            if message:
                self.error = message
                return
        self.closed = True
        self.on_done(self.text if ok else None)

    def handle_event(self, event) -> bool:
        if event.type == pygame.TEXTINPUT:
            echo, self.swallow = self.swallow, None
            if event.text != echo:
                self.insert(event.text)
        elif event.type == pygame.KEYDOWN:
            self.swallow = None
            key = event.key
            ctrl = bool(getattr(event, "mod", 0) & (pygame.KMOD_CTRL | pygame.KMOD_META))
            if key == pygame.K_a and ctrl:
                self.selected, self.cursor = bool(self.text), len(self.text)
                return True
            if self.selected and key in (pygame.K_BACKSPACE, pygame.K_DELETE):
                self.text, self.cursor, self.selected = "", 0, False
                return True
            if key in (pygame.K_LEFT, pygame.K_RIGHT, pygame.K_HOME, pygame.K_END):
                self.selected = False  # the text stays; the cursor moves from its end
            if key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                self.finish(True)
            elif key == pygame.K_ESCAPE:
                self.finish(False)
            elif key == pygame.K_BACKSPACE and self.cursor > 0:
                self.text = self.text[: self.cursor - 1] + self.text[self.cursor :]
                self.cursor -= 1
            elif key == pygame.K_DELETE:
                self.text = self.text[: self.cursor] + self.text[self.cursor + 1 :]
            elif key == pygame.K_LEFT:
                self.cursor = max(0, self.cursor - 1)
            elif key == pygame.K_RIGHT:
                self.cursor = min(len(self.text), self.cursor + 1)
            elif key == pygame.K_HOME:
                self.cursor = 0
            elif key == pygame.K_END:
                self.cursor = len(self.text)
            elif key == pygame.K_u and getattr(event, "mod", 0) & pygame.KMOD_CTRL:
                self.text, self.cursor = "", 0
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            if self._ok_rect.collidepoint(event.pos):
                self.finish(True)
            elif self._cancel_rect.collidepoint(event.pos):
                self.finish(False)
        return event.type in INPUT_EVENTS

    def draw(self, surface: pygame.Surface, pal: Palette) -> None:
        _shade(surface)
        fs = 18 if surface.get_height() >= 400 else 13
        lh = line_height(fs)
        box = _dialog_box(surface.get_size(), 620, lh * 7 + 30)
        pygame.draw.rect(surface, pal.panel, box, border_radius=6)
        pygame.draw.rect(surface, pal.panel_edge, box, 2, border_radius=6)
        x, y = box.left + 16, box.top + 12
        draw_text(surface, self.title, (x, y), fs + 1, pal.text, bold=True, max_width=box.w - 32)
        y += lh + 10
        field = pygame.Rect(x, y, box.w - 32, lh + 10)
        pygame.draw.rect(surface, (14, 15, 19), field, border_radius=3)
        pygame.draw.rect(surface, pal.selected, field, 1, border_radius=3)
        # Keep the cursor in view when the text is wider than the field.
        before = self.text[: self.cursor]
        shift = max(0, text_width(before, fs) - (field.w - 16))
        clip = surface.get_clip()
        surface.set_clip(field.inflate(-4, -2))
        if self.selected:  # the old text, selected: what typing will replace
            width = text_width(self.text, fs)
            pygame.draw.rect(surface, pal.selected, (field.left + 5 - shift, field.top + 4, width + 2, field.h - 8))
        draw_text(surface, self.text, (field.left + 6 - shift, field.centery), fs, pal.text, anchor="midleft")
        cx = field.left + 6 - shift + text_width(before, fs)
        pygame.draw.line(surface, pal.warn, (cx, field.top + 4), (cx, field.bottom - 5), 2)
        surface.set_clip(clip)
        y = field.bottom + 6
        if self.error:
            draw_text(surface, self.error, (x, y), fs - 2, pal.bad, max_width=box.w - 32)
        elif self.hint:
            draw_text(surface, self.hint, (x, y), fs - 2, pal.text_dim, max_width=box.w - 32)
        bw = 110
        self._cancel_rect = pygame.Rect(box.right - 16 - bw, box.bottom - lh - 22, bw, lh + 10)
        self._ok_rect = self._cancel_rect.move(-(bw + 10), 0)
        Button(self._ok_rect, "OK", "", hint="Enter").draw(surface, pal, fs - 2)
        Button(self._cancel_rect, "Cancel", "", hint="Esc").draw(surface, pal, fs - 2)


@dataclass
class Answer:
    label: str
    key: int  # the key that picks it (besides a click)
    key_label: str
    action: Callable[[], None]


class Question:
    """A message and a row of answers, each with its own key; Esc picks the answer bound to Esc."""

    def __init__(self, title: str, message: str, answers: list[Answer]):
        self.title = title
        self.message = message
        self.answers = answers
        self.closed = False
        self._rects: list[pygame.Rect] = []

    def choose(self, answer: Answer) -> None:
        self.closed = True
        answer.action()

    def handle_event(self, event) -> bool:
        if event.type == pygame.KEYDOWN:
            for answer in self.answers:
                if event.key == answer.key or (answer.key == pygame.K_RETURN and event.key == pygame.K_KP_ENTER):
                    self.choose(answer)
                    break
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            for rect, answer in zip(self._rects, self.answers):
                if rect.collidepoint(event.pos):
                    self.choose(answer)
                    break
        return event.type in INPUT_EVENTS

    def draw(self, surface: pygame.Surface, pal: Palette) -> None:
        _shade(surface)
        fs = 18 if surface.get_height() >= 400 else 13
        lh = line_height(fs)
        width = min(660, max(40, surface.get_width() - 20))
        lines = wrap(self.message, fs - 1, width - 32)
        box = _dialog_box(surface.get_size(), width, lh * (len(lines) + 4) + 36)
        pygame.draw.rect(surface, pal.panel, box, border_radius=6)
        pygame.draw.rect(surface, pal.warn, box, 2, border_radius=6)
        x, y = box.left + 16, box.top + 12
        draw_text(surface, self.title, (x, y), fs + 1, pal.text, bold=True, max_width=box.w - 32)
        y += lh + 10
        for line in lines:
            draw_text(surface, line, (x, y), fs - 1, pal.text, max_width=box.w - 32)
            y += line_height(fs - 1)
        n = len(self.answers)
        bw = max(60, min(190, (box.w - 32 - 10 * (n - 1)) // max(1, n)))
        right = box.right - 16
        self._rects = []
        for i, answer in enumerate(self.answers):
            rect = pygame.Rect(right - (n - i) * bw - (n - 1 - i) * 10, box.bottom - lh - 22, bw, lh + 10)
            self._rects.append(rect)
            Button(rect, answer.label, "", hint=answer.key_label).draw(surface, pal, fs - 2)


def draw_key_help(surface, pal: Palette, title: str, bindings, mouse_help, notes: list[str]) -> None:
    """The full-window help overlay: every key of a scene in two columns, split at the group
    heading nearest the middle, at the biggest font that fits; `notes` along the bottom."""
    w, h = surface.get_size()
    box = pygame.Rect(10, 10, max(1, w - 20), max(1, h - 20))
    pygame.draw.rect(surface, (16, 17, 22), box, border_radius=8)
    pygame.draw.rect(surface, pal.panel_edge, box, 2, border_radius=8)
    rows: list[tuple[str, str, str]] = []
    group = None
    for b in bindings:
        if not b.in_help:
            continue
        if b.group != group:
            group = b.group
            rows.append(("", group, "group"))
        rows.append((b.label, b.help, "key"))
    rows.append(("", "Mouse", "group"))
    rows += [(k, v, "key") for k, v in mouse_help]
    starts = [i for i, row in enumerate(rows) if row[2] == "group" and i > 0]
    split = min(starts, key=lambda i: abs(i - len(rows) / 2)) if starts else (len(rows) + 1) // 2
    columns = [rows[:split], rows[split:]]
    col_w = (box.w - 50) // 2
    for fs in (18, 17, 16, 15, 14, 13, 12, 11, 10, 9):
        lh = line_height(fs)
        key_ws = [
            max((text_width(k, fs, True) for k, _, kind in col if kind == "key"), default=0) + 14 for col in columns
        ]
        fits = all(
            kw + max((text_width(t, fs) for _, t, kind in col if kind == "key"), default=0) <= col_w
            for kw, col in zip(key_ws, columns)
        )
        if fits and (max(map(len, columns)) + 2 + len(notes)) * lh + 24 <= box.h:
            break
    x0, y0 = box.left + 20, box.top + 10
    draw_text(surface, f"{title}   (any key closes this)", (x0, y0), fs + 2, pal.text, bold=True, max_width=box.w - 40)
    top = y0 + line_height(fs + 2) + 8
    for col, (column, key_w) in enumerate(zip(columns, key_ws)):
        x = x0 + col * (col_w + 10)
        for r, (key, text, kind) in enumerate(column):
            y = top + r * lh
            if kind == "group":
                draw_text(surface, text, (x, y), fs, pal.warn, bold=True, max_width=col_w)
            else:
                draw_text(surface, key, (x, y), fs, pal.text, bold=True, max_width=key_w - 8)
                draw_text(surface, text, (x + key_w, y), fs, pal.text_dim, max_width=col_w - key_w)
    y = box.bottom - 8 - len(notes) * line_height(fs - 1)
    for note in notes:
        draw_text(surface, note, (x0, y), fs - 1, pal.text_dim, max_width=box.w - 40)
        y += line_height(fs - 1)
