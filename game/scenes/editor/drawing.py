"""The editor drawn from its state, part by part (board, top bar, tool panel, problems panel, status
line, help). Reads the scene; never changes the document."""

from __future__ import annotations

import numpy as np
import pygame

from reddoor.game.core.constants import COLOR_NAMES, DOOR, FLOOR, KIND_NAMES, WALL
from reddoor.game.core.describe import plural
from reddoor.game.core.editing import TOOL_KIND
from reddoor.game.editor_files import is_protected, user_level_path
from reddoor.game.render.board import BoardRenderer
from reddoor.game.render.text import draw_text, line_height, wrap
from reddoor.game.scenes.widgets import draw_key_help

from .keys import EDITOR_BINDINGS, MOUSE_HELP
from .toolbar import STATUS_BAR, TOP_BAR
from .tools import MODES_BY_NAME, takes_colour


class Icons:
    """Cached small surfaces: tool icons, ghost tiles, the unreachable hatch (keyed on all they show)."""

    def __init__(self, renderer: BoardRenderer):
        self.renderer = renderer
        self._cache: dict = {}

    def hatch(self, tile: int) -> pygame.Surface:
        key = ("hatch", tile)
        if key not in self._cache:
            veil = pygame.Surface((tile, tile), pygame.SRCALPHA)
            veil.fill((0, 0, 0, 110))
            for i in range(-tile, tile, max(4, tile // 4)):
                pygame.draw.line(veil, (150, 60, 60, 120), (i, tile), (i + tile, 0), 1)
            self._cache[key] = veil
        return self._cache[key]

    def ghost(self, tool: str, colour: int, tile: int, palette) -> pygame.Surface:
        key = ("ghost", tool, colour, tile, palette.name)
        if key not in self._cache:
            if tool == "start":
                ghost = pygame.Surface((tile, tile), pygame.SRCALPHA)
                BoardRenderer.draw_token(ghost, (0, 0), tile, (0, 0), 3, (255, 255, 255))
            else:
                ghost = self.renderer.tile(TOOL_KIND[tool], colour if takes_colour(tool) else 0, tile, palette).copy()
            ghost.set_alpha(150)
            self._cache[key] = ghost
        return self._cache[key]

    def tool(self, tool: str, colour: int, size: int, palette) -> pygame.Surface:
        size = max(8, size)
        key = (tool, colour if takes_colour(tool) else 0, size, palette.name)
        if key not in self._cache:
            icon = self.renderer.tile(TOOL_KIND.get(tool, FLOOR), key[1], size, palette).copy()
            if tool == "start":
                BoardRenderer.draw_token(icon, (0, 0), size, (0, 0), 3, (255, 255, 255))
            elif tool == "erase":
                pygame.draw.line(icon, palette.bad, (3, 3), (size - 4, size - 4), 2)
                pygame.draw.line(icon, palette.bad, (3, size - 4), (size - 4, 3), 2)
            pygame.draw.rect(icon, palette.panel_edge, icon.get_rect(), 1)
            self._cache[key] = icon
        return self._cache[key]


def draw_board(surface, ed) -> None:
    pal, lay, level = ed.palette, ed.layout, ed.level
    tile, origin = lay.tile, lay.board.topleft
    pygame.draw.rect(surface, pal.panel_edge, lay.board.inflate(6, 6), 2, border_radius=3)
    ed.renderer.draw_board(surface, origin, level, tile, pal)
    if ed.show_reach and tile >= 4:
        shut = (level.kind == FLOOR) & ~ed.doc.reachable()
        if shut.any():
            veil = ed.icons.hatch(tile)
            for r, c in zip(*np.nonzero(shut)):
                surface.blit(veil, (origin[0] + int(c) * tile, origin[1] + int(r) * tile))
    for r, c in ed.doc.unreachable_cells():
        rect = pygame.Rect(origin[0] + c * tile, origin[1] + r * tile, tile, tile)
        pygame.draw.rect(surface, pal.bad, rect, max(2, tile // 9))
        if tile >= 14:
            badge = pygame.Rect(rect.right - tile // 3, rect.top, tile // 3, tile // 3)
            pygame.draw.rect(surface, pal.bad, badge)
            draw_text(surface, "!", badge.center, max(8, tile // 3), (255, 255, 255), anchor="center", bold=True)
    BoardRenderer.draw_token(surface, origin, tile, level.start, 3, (255, 255, 255), ring=(255, 255, 255))
    # What the tool would do here: ghost tiles under the cursor or along the drag.
    cells = ed.preview_cells() if ed.modal is None else []
    if cells and tile >= 3:
        ghost = ed.icons.ghost(ed.drag.tool if ed.drag else ed.tool, ed.colour, tile, pal)
        for r, c in cells[:2048]:
            if 0 <= r < level.height and 0 <= c < level.width:
                pos = (origin[0] + c * tile, origin[1] + r * tile)
                surface.blit(ghost, pos)
                pygame.draw.rect(surface, pal.selected, (*pos, tile, tile), 1)


def draw_top(surface, ed) -> None:
    pal, lay, fs = ed.palette, ed.layout, ed.layout.fs
    w = lay.size[0]
    pygame.draw.rect(surface, pal.panel, (0, 0, w, TOP_BAR))
    pygame.draw.line(surface, pal.panel_edge, (0, TOP_BAR - 1), (w, TOP_BAR - 1))
    x = draw_text(surface, "Editor", (10, TOP_BAR // 2), fs + 2, pal.warn, anchor="midleft", bold=True).right + 12
    doc = ed.doc
    where = doc.path.name if doc.path else "not saved yet"
    if doc.path and is_protected(doc.path):
        where += " (built-in)"
    x = (
        draw_text(
            surface,
            f"{ed.level.name}{' *' if doc.dirty else ''}",
            (x, TOP_BAR // 2),
            fs + 1,
            pal.text,
            anchor="midleft",
            bold=True,
            max_width=max(0, (lay.top_right - x) * 3 // 5),
        ).right
        + 10
    )
    draw_text(
        surface,
        f"{where} · {ed.level.height}×{ed.level.width}",
        (x, TOP_BAR // 2),
        fs - 2,
        pal.text_dim,
        anchor="midleft",
        max_width=max(0, lay.top_right - x - 8),
    )
    for b in lay.buttons:
        if b.rect.top < TOP_BAR:
            b.draw(surface, pal, fs - 1, hover=b.rect.collidepoint(ed.mouse))


def draw_left(surface, ed) -> None:
    pal, lay, fs = ed.palette, ed.layout, ed.layout.fs
    h = lay.size[1]
    pygame.draw.rect(surface, pal.panel, (0, TOP_BAR, lay.left_w, h - TOP_BAR - STATUS_BAR))
    pygame.draw.line(surface, pal.panel_edge, (lay.left_w - 1, TOP_BAR), (lay.left_w - 1, h - STATUS_BAR))
    for text, y in lay.headers:
        label = {
            "Colour": f"Colour: {COLOR_NAMES[ed.colour]}",
            "Draw": f"Draw: {MODES_BY_NAME[ed.mode].label.lower()}",
        }.get(text, text)
        draw_text(surface, label, (10, y), fs - 1, pal.text_dim, bold=True, max_width=lay.left_w - 16)
    for label, y in lay.size_rows.items():
        n = ed.level.height if label == "Rows" else ed.level.width
        draw_text(surface, f"{label}: {n}", (10, y + 3), fs - 1, pal.text, max_width=lay.left_w - 80)
    for b in lay.buttons:
        if b.rect.top >= TOP_BAR:
            b.draw(surface, pal, fs - 2, hover=b.rect.collidepoint(ed.mouse))


def draw_right(surface, ed) -> None:
    """Problems first; then the level (its objects counted, its description); the cell under the cursor."""
    pal, lay, fs, level = ed.palette, ed.layout, ed.layout.fs, ed.level
    w, h = lay.size
    x0 = w - lay.right_w
    pygame.draw.rect(surface, pal.panel, (x0, TOP_BAR, lay.right_w, h - TOP_BAR - STATUS_BAR))
    pygame.draw.line(surface, pal.panel_edge, (x0, TOP_BAR), (x0, h - STATUS_BAR))
    x, y, width = x0 + 12, TOP_BAR + 8, lay.right_w - 24
    lh, slh = line_height(fs - 1), line_height(fs - 2)
    bottom = h - STATUS_BAR - 6
    draw_text(surface, "Problems", (x, y), fs, pal.text, bold=True)
    y += lh + 4
    problems = ed.doc.problems
    if not problems:
        dist = level.distances()
        doors = [int(dist[r, c]) for r, c, k, _ in level.objects() if k == DOOR]
        lines = wrap("None: every object can be reached", fs - 1, width - 18)
        lines += wrap(
            f"{'door' if len(doors) == 1 else 'doors'} {', '.join(map(str, doors))} steps from the start",
            fs - 1,
            width - 18,
        )
        for i, line in enumerate(lines):
            draw_text(surface, ("✓ " if i == 0 else "   ") + line, (x, y), fs - 1, pal.good, max_width=width)
            y += lh
    for p in problems:
        ink = pal.bad if p.severity == "error" else pal.warn
        for i, line in enumerate(wrap(p.message, fs - 1, width - 18)):
            if y + lh > bottom:
                break
            draw_text(surface, ("● " if i == 0 else "   ") + line, (x, y), fs - 1, ink, max_width=width)
            y += lh
        y += 3
    if ed.doc.unreachable_cells():
        for line in wrap("Cells framed in red on the map cannot be reached from the start.", fs - 2, width):
            draw_text(surface, line, (x, y + 2), fs - 2, pal.text_dim, max_width=width)
            y += slh
    y += 12
    if y + 3 * lh < bottom:
        draw_text(surface, "Level", (x, y), fs, pal.text, bold=True)
        y += lh + 4
        counts: dict[tuple[int, int], int] = {}
        for _, _, k, c in level.objects():
            counts[(c, k)] = counts.get((c, k), 0) + 1
        objects = ", ".join(
            plural(n, KIND_NAMES[k]).replace(" ", f" {COLOR_NAMES[c]} ", 1) for (c, k), n in sorted(counts.items())
        )
        info = [
            (f"name: {level.name}", pal.text),
            (f"size: {level.height} rows × {level.width} columns", pal.text),
            (f"step limit: {level.effective_step_limit}" + ("" if level.step_limit else " (one per cell)"), pal.text),
            ("objects: " + (objects or "none"), pal.text),
            (level.description, pal.text_dim),
        ]
        for item, ink in info:
            for line in wrap(item, fs - 2, width)[:6] if item else []:
                if y + lh > bottom:
                    break
                draw_text(surface, line, (x, y), fs - 2, ink, max_width=width)
                y += slh
    under = ed.cell_at(ed.mouse)
    if under is not None:
        r, c = under
        d = int(level.distances()[r, c])
        what = "agent start" if (r, c) == level.start else level.describe_cell(r, c)
        reach = f", {d} steps" if d > 0 else ", unreachable" if d < 0 and level.kind[r, c] != WALL else ""
        draw_text(
            surface, f"row {r + 1}, col {c + 1}: {what}{reach}", (x, bottom - lh), fs - 2, pal.text, max_width=width
        )
    if ed.show_reach:
        draw_text(
            surface, "hatched: floor out of reach (H)", (x, bottom - 2 * lh - 4), fs - 2, pal.text_dim, max_width=width
        )


def draw_status(surface, ed) -> None:
    pal, lay, fs = ed.palette, ed.layout, ed.layout.fs
    w, h = lay.size
    bar = pygame.Rect(0, h - STATUS_BAR, w, STATUS_BAR)
    pygame.draw.rect(surface, pal.panel, bar)
    pygame.draw.line(surface, pal.panel_edge, bar.topleft, bar.topright)
    right = f"undo {len(ed.doc.undo_stack)} · redo {len(ed.doc.redo_stack)}"
    rx = draw_text(surface, right, (bar.right - 10, bar.centery), fs - 2, pal.text_dim, anchor="midright").left - 12
    message, ink = ed.status_line()
    draw_text(
        surface,
        message,
        (10, bar.centery),
        fs - 1,
        pal.bad if ink == "bad" else pal.text if ink == "text" else pal.text_dim,
        anchor="midleft",
        max_width=max(0, rx - 20),
    )


def draw_help(surface, ed) -> None:
    note = (
        f"Levels are saved in {user_level_path('x').parent}; unsaved edits are autosaved every few "
        "seconds and offered back after a crash."
    )
    draw_key_help(surface, ed.palette, "Red Door — editor keys", EDITOR_BINDINGS, MOUSE_HELP, [note])
