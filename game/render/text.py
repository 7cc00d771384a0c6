"""Text for the view: fonts by pixel size and a cache of rendered strings (rendering text is slow).

Every string the app shows goes through here, and nothing here raises on any string: control
characters (NUL included) are dropped, lone surrogates become U+FFFD, and a string with nothing
to show (only zero-width characters) draws as nothing.
"""

from __future__ import annotations

import unicodedata
from collections import OrderedDict

import pygame

from reddoor.game.paths import asset_path

REGULAR_FONT = "DejaVuSans.ttf"
BOLD_FONT = "DejaVuSans-Bold.ttf"
_FONTS: dict[tuple[int, bool], pygame.font.Font] = {}
_SURFACES: OrderedDict[tuple, pygame.Surface] = OrderedDict()
_MAX_SURFACES = 1024


def font(size: int, bold: bool = False) -> pygame.font.Font:
    """A font of `size`: bundled DejaVu Sans (it has the arrows and ticks), else pygame's default."""
    size = max(6, int(size))
    key = (size, bold)
    f = _FONTS.get(key)
    if f is None:
        if not pygame.font.get_init():
            pygame.font.init()
        path = asset_path("fonts", BOLD_FONT if bold else REGULAR_FONT)
        try:
            f = pygame.font.Font(str(path), size)
        except (OSError, FileNotFoundError):
            f = pygame.font.Font(None, round(size * 1.25))
            f.set_bold(bold)
        _FONTS[key] = f
    return f


def displayable(text) -> str:
    """`text` as the font can take it: control characters dropped (tabs and line breaks become
    spaces), lone surrogates replaced by U+FFFD."""
    text = str(text)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)
    if text.isprintable():
        return text
    return "".join(" " if ch in "\t\n\r" else ch for ch in text if ch in "\t\n\r" or unicodedata.category(ch) != "Cc")


def has_visible(text: str) -> bool:
    """True when `text` has a character that shows (not only spaces, marks or zero-width characters)."""
    return any(unicodedata.category(ch)[0] not in "MCZ" for ch in str(text))


def text_surface(text: str, size: int, rgb, bold: bool = False) -> pygame.Surface:
    """`text` rendered anti-aliased; the same string, size and colour come from the cache."""
    key = (text, int(size), tuple(rgb), bold)
    surf = _SURFACES.get(key)
    if surf is not None:
        _SURFACES.move_to_end(key)
        return surf
    f = font(size, bold)
    try:
        surf = f.render(displayable(text), True, rgb)
    except (pygame.error, ValueError):  # nothing to show ("Text has zero width"): an empty line
        surf = pygame.Surface((0, f.get_height()), pygame.SRCALPHA)
    _SURFACES[key] = surf
    if len(_SURFACES) > _MAX_SURFACES:
        _SURFACES.popitem(last=False)
    return surf


_WIDTHS: dict[tuple[str, int, bool], int] = {}


def text_width(text: str, size: int, bold: bool = False) -> int:
    """Pixel width of `text` (cached: layout code asks the same questions every frame)."""
    key = (text, int(size), bold)
    w = _WIDTHS.get(key)
    if w is None:
        if len(_WIDTHS) > 4096:
            _WIDTHS.clear()
        try:
            w = font(size, bold).size(displayable(text))[0]
        except (pygame.error, ValueError):
            w = 0
        _WIDTHS[key] = w
    return w


def line_height(size: int) -> int:
    return font(size).get_linesize()


def elide(text: str, size: int, max_width: int, bold: bool = False) -> str:
    """`text` cut with '…' so it fits `max_width` pixels ('' if not even that fits)."""
    if max_width <= 0:
        return ""
    if text_width(text, size, bold) <= max_width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if text_width(text[:mid] + "…", size, bold) <= max_width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo] + "…" if lo else ""


def wrap(text: str, size: int, max_width: int) -> list[str]:
    """Greedy word wrap to `max_width` pixels."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            trial = f"{line} {word}" if line else word
            if text_width(trial, size) <= max_width or not line:
                line = trial
            else:
                out.append(line)
                line = word
        out.append(line)
    return out


def draw_text(
    surface: pygame.Surface,
    text: str,
    pos,
    size: int,
    rgb,
    anchor: str = "topleft",
    bold: bool = False,
    max_width: int | None = None,
) -> pygame.Rect:
    """Blit `text` with its `anchor` ('topleft', 'center', 'midright', ...) at `pos`; returns its rect."""
    text = displayable(text)
    if max_width is not None:
        text = elide(text, size, max_width, bold)
    if not text:
        return pygame.Rect(pos, (0, 0))
    surf = text_surface(text, size, rgb, bold)
    rect = surf.get_rect(**{anchor: (int(pos[0]), int(pos[1]))})
    surface.blit(surf, rect)
    return rect
