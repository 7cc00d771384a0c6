"""The level editor: paint a level, see its problems as they arise, save it, try it with the agents.

The scene only translates input into calls on `game.core.editing.Document` (which holds the level
and the undo history) and draws; files go through `game.editor_files`. Keys are translated once
through EDITOR_BINDINGS, which the help overlay and the tests read too.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import numpy as np
import pygame

from game.core.constants import COLOR_NAMES, DOOR, FLOOR, KIND_NAMES, MAX_SIDE, MIN_SIDE, N_COLORS, WALL
from game.core.editing import MODES, TOOL_KIND, TOOLS, Document, line_cells, rect_cells, flood_cells
from game.core.generators import DESCRIPTIONS, DISTRIBUTIONS
from game.core.level import Level
from game.core.level_io import LevelFormatError, load_level, save_level
from game.editor_files import Recovery, is_protected, save_target, user_level_path
from game.levels import list_levels
from game.render.board import BoardRenderer
from game.render.palette import COLORBLIND, NORMAL, Palette
from game.render.text import draw_text, line_height, text_width, wrap
from game.scenes.base import Scene
from game.scenes.keymap import Binding, Key
from game.scenes.menu import Menu, MenuItem
from game.scenes.widgets import Answer, Button, Question, TextPrompt, draw_key_help

# -- keys ----------------------------------------------------------------------------------------
K = pygame


def _k(key, shift=False, ctrl=False) -> Key:
    return Key(key=key, shift=shift, ctrl=ctrl)


TOOL_KEYS = {"wall": K.K_w, "floor": K.K_f, "door": K.K_d, "key": K.K_k, "ball": K.K_b, "box": K.K_x,
             "start": K.K_s, "erase": K.K_e}
MODE_KEYS = {"pencil": _k(K.K_p), "line": _k(K.K_l), "rect": _k(K.K_r), "filled": _k(K.K_r, shift=True),
             "fill": _k(K.K_u)}
MODE_LABELS = {"pencil": "Pencil", "line": "Line", "rect": "Rectangle", "filled": "Filled rect", "fill": "Flood fill"}
MODE_SHORT = {"pencil": "Pencil", "line": "Line", "rect": "Rect", "filled": "Filled", "fill": "Fill"}
MODE_KEY_LABELS = {"pencil": "P", "line": "L", "rect": "R", "filled": "⇧R", "fill": "U"}

EDITOR_BINDINGS: tuple[Binding, ...] = (
    *(Binding(f"tool:{t}", (_k(TOOL_KEYS[t]),), chr(TOOL_KEYS[t]).upper(),
              {"erase": "erase tool: back to floor (so does the right button)",
               "start": "agent start tool"}.get(t, f"{t} tool"), "Tools") for t in TOOLS),
    *(Binding(f"colour:{i}", (_k(K.K_1 + i), _k(K.K_KP1 + i)), "1 … 6" if i == 0 else str(i + 1),
              "colour: " + " ".join(COLOR_NAMES) if i == 0 else f"colour {COLOR_NAMES[i]}", "Colour", i == 0)
      for i in range(N_COLORS)),
    Binding("colour_next", (_k(K.K_RIGHTBRACKET),), "]  or wheel", "next colour", "Colour"),
    Binding("colour_prev", (_k(K.K_LEFTBRACKET),), "[", "previous colour", "Colour"),
    *(Binding(f"mode:{m}", (MODE_KEYS[m],), MODE_KEY_LABELS[m].replace("⇧", "Shift+"),
              {"pencil": "pencil: paint cells as you drag", "line": "line: drag from end to end",
               "rect": "rectangle outline: drag corner to corner", "filled": "filled rectangle",
               "fill": "flood fill: click a region"}[m], "Draw") for m in MODES),
    Binding("undo", (_k(K.K_z, ctrl=True),), "Ctrl+Z", "undo (every edit, resize included)", "Edit"),
    Binding("redo", (_k(K.K_y, ctrl=True), _k(K.K_z, shift=True, ctrl=True)), "Ctrl+Y", "redo (also Ctrl+Shift+Z)", "Edit"),
    Binding("rows_more", (_k(K.K_DOWN, ctrl=True),), "Ctrl+↓ / Ctrl+↑", "one row more / fewer", "Level"),
    Binding("rows_fewer", (_k(K.K_UP, ctrl=True),), "Ctrl+↑", "one row fewer", "Level", False),
    Binding("cols_more", (_k(K.K_RIGHT, ctrl=True),), "Ctrl+→ / Ctrl+←", "one column more / fewer", "Level"),
    Binding("cols_fewer", (_k(K.K_LEFT, ctrl=True),), "Ctrl+←", "one column fewer", "Level", False),
    Binding("resize", (_k(K.K_r, ctrl=True),), "Ctrl+R", "resize: type rows x columns (5 to 32)", "Level"),
    Binding("new", (_k(K.K_n, ctrl=True),), "Ctrl+N", "new empty level (undoable)", "Level"),
    Binding("generate", (_k(K.K_g),), "G", "generate from a distribution with a seed", "Level"),
    Binding("generate_again", (_k(K.K_g, shift=True),), "Shift+G", "generate again with the next seed", "Level"),
    Binding("rename", (_k(K.K_n),), "N", "name the level", "Level"),
    Binding("describe", (_k(K.K_n, shift=True),), "Shift+N", "describe the level", "Level"),
    Binding("step_limit", (_k(K.K_l, ctrl=True),), "Ctrl+L", "step limit of an episode on this level", "Level"),
    Binding("reach", (_k(K.K_h),), "H", "shade floor the agent cannot reach on / off", "View"),
    Binding("palette", (_k(K.K_c),), "C", "colour-blind-safe palette on / off", "View"),
    Binding("open", (_k(K.K_o, ctrl=True),), "Ctrl+O", "open a level (yours and the built-ins)", "File"),
    Binding("save", (_k(K.K_s, ctrl=True),), "Ctrl+S", "save (a built-in level is saved as yours)", "File"),
    Binding("save_as", (_k(K.K_s, shift=True, ctrl=True),), "Ctrl+Shift+S", "save under a new name", "File"),
    Binding("try", (_k(K.K_t), _k(K.K_F5)), "T or F5", "try it: the agents play this level; Ctrl+E returns", "File"),
    Binding("help", (_k(K.K_F1), Key(char="?")), "F1 or ?", "this help", "App"),
    Binding("back", (_k(K.K_ESCAPE),), "Esc", "back to the play view (quit when opened alone)", "App"),
    Binding("quit", (_k(K.K_q, ctrl=True),), "Ctrl+Q", "quit (asks when there are unsaved edits)", "App"),
)
MOUSE_HELP: tuple[tuple[str, str], ...] = (
    ("Left button", "paint with the tool in the current draw mode"),
    ("Right button", "erase (in the current draw mode)"),
    ("Middle / Alt+click", "pick the tool and colour under the cursor"),
    ("Wheel", "next / previous colour"),
)
COMMANDS = {b.command: b for b in EDITOR_BINDINGS}


def translate(event) -> str | None:
    """The editor command a KEYDOWN event means, or None. Typed characters win over key codes."""
    if event.type != pygame.KEYDOWN:
        return None
    for binding in EDITOR_BINDINGS:
        if any(k.char is not None and k.matches(event) for k in binding.keys):
            return binding.command
    for binding in EDITOR_BINDINGS:
        if any(k.char is None and k.matches(event) for k in binding.keys):
            return binding.command
    return None


def parse_size(text: str) -> tuple[int, int] | None:
    """'12x20', '12 20', '12,20' or '12' (square) -> (rows, columns), or None."""
    numbers = re.findall(r"\d+", text)
    if len(numbers) == 1:
        numbers = numbers * 2
    if len(numbers) != 2:
        return None
    return int(numbers[0]), int(numbers[1])


# -- layout --------------------------------------------------------------------------------------
TOP_BAR = 40
STATUS_BAR = 28
MAX_TILE = 56


class EditorScene(Scene):
    """Paint a level with tools, colours and draw modes; undo, problems, files, Try it."""

    def __init__(self, level: Level | None = None, path: str | Path | None = None, *, status: str = "",
                 recovery: Recovery | None = None, palette: Palette = NORMAL, **_ignored):
        if level is None:
            level = Level.empty(9, 11)
        if path is None:
            path = _find_file(level)
        self.doc = Document(level, path=Path(path) if path else None)
        self.palette = palette
        self.renderer = BoardRenderer()
        self.recovery = recovery if recovery is not None else Recovery()
        self.tool = "wall"
        self.colour = 0
        self.mode = "pencil"
        self.show_reach = True
        self.distribution = "conflict"
        self.seed = 1
        self.modal = None  # Menu | TextPrompt | Question | "help"
        self.drag: dict | None = None
        self.hover: tuple[int, int] | None = None
        self.mouse = (0, 0)
        self.size = (1280, 760)
        self.buttons: list[Button] = []
        self.board_rect = pygame.Rect(0, 0, 0, 0)
        self.tile = 0
        self.status = ""
        self.status_bad = False
        self._status_until = 0.0
        self._clock = 0.0
        self._after_save: Callable[[], None] | None = None
        self._icons: dict = {}
        self.parent_name: str | None = None  # set by the app when the editor was opened over a scene
        self.next_args: dict = {}
        self._sent: Level | None = None  # the level last handed to the play view
        self.set_status(status or f"Editing '{self.doc.level.name}'. Paint with the left button; F1 or ? lists every key.")
        self._offer_recovery()

    # -- state helpers -----------------------------------------------------------------------
    @property
    def level(self) -> Level:
        return self.doc.level

    def set_status(self, text: str, bad: bool = False, seconds: float = 6.0) -> None:
        self.status, self.status_bad = text, bad
        self._status_until = self._clock + seconds

    def _offer_recovery(self) -> None:
        pending = self.recovery.pending()
        if pending is None:
            return

        def recover():
            saved = None
            if pending.origin and not is_protected(pending.origin):
                try:
                    saved = load_level(pending.origin)
                except LevelFormatError:
                    saved = None
            self.doc = Document(pending.level, path=Path(pending.origin) if pending.origin else None)
            self.doc.saved = saved  # so the recovered edits count as unsaved
            self.set_status(f"recovered {pending.describe()}; save it with Ctrl+S")

        def discard():
            self.recovery.clear()
            self.set_status("discarded the recovered edits")

        self.modal = Question(
            "Recover unsaved edits?",
            f"The editor did not close normally last time. Unsaved edits were autosaved: {pending.describe()}.",
            [Answer("Recover", K.K_RETURN, "Enter", recover), Answer("Discard", K.K_d, "D", discard)])

    # -- the app's hooks -----------------------------------------------------------------------
    def resize(self, size: tuple[int, int]) -> None:
        self.size = (max(1, size[0]), max(1, size[1]))
        self._layout()
        if isinstance(self.modal, Menu):
            self.modal.layout(self.size)

    def resume(self, level: Level | None = None, **_args) -> None:
        """Back from the play view. Changes made there (recolours) come back as one undoable edit."""
        self.next_scene = None
        self.drag = None
        if level is None or level.same_as(self.level) or (self._sent is not None and level.same_as(self._sent)):
            self.set_status("back in the editor")
            return
        path = _find_file(level)
        if path is not None and not self.doc.dirty:
            self.doc = Document(level, path=path)
            self.set_status(f"editing {path.name}, the level the play view showed")
        else:
            self.doc.replace(level, "changes made in the play view")
            self.set_status("took the changes made in the play view (Ctrl+Z undoes)")
        self._layout()

    # -- input ---------------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> bool:
        if event.type == pygame.QUIT:
            return self.request_quit()
        if self.modal is not None:
            return self._modal_event(event)
        if event.type == pygame.KEYDOWN:
            command = translate(event)
            if command is None:
                return False
            self.run_command(command)
            typed = getattr(event, "unicode", "")
            if isinstance(self.modal, TextPrompt) and typed.isprintable():
                self.modal.swallow = typed or None
            return True
        if event.type == pygame.MOUSEMOTION:
            self.mouse = event.pos
            self._motion(event.pos)
            return True
        if event.type == pygame.MOUSEBUTTONDOWN:
            self.mouse = event.pos
            return self._press(event.pos, event.button, getattr(event, "mod", None))
        if event.type == pygame.MOUSEBUTTONUP:
            return self._release(event.pos, event.button)
        if event.type == pygame.MOUSEWHEEL:
            self.run_command("colour_prev" if event.y > 0 else "colour_next")
            return True
        if event.type == pygame.WINDOWLEAVE and self.drag is None:
            self.hover = None
        return False

    def _modal_event(self, event) -> bool:
        modal = self.modal
        if modal == "help":
            if event.type in (pygame.KEYDOWN, pygame.MOUSEBUTTONDOWN):
                self.modal = None
                return True
            return event.type in (pygame.MOUSEBUTTONUP, pygame.MOUSEMOTION, pygame.KEYUP, pygame.TEXTINPUT)
        consumed = modal.handle_event(event)
        if modal.closed and self.modal is modal:
            self.modal = None
        elif isinstance(self.modal, Menu):
            self.modal.layout(self.size)
        return consumed

    def run_command(self, command: str) -> None:
        name, _, arg = command.partition(":")
        if name == "tool":
            self.tool = arg
            self.set_status(f"tool: {arg}" + (f" ({COLOR_NAMES[self.colour]})" if _takes_colour(arg) else ""))
        elif name == "colour":
            self.set_colour(int(arg))
        elif name == "mode":
            self.mode = arg
            self.set_status(f"draw mode: {MODE_LABELS[arg]}")
        else:
            getattr(self, f"cmd_{name}")()

    def set_colour(self, colour: int) -> None:
        self.colour = colour % N_COLORS
        if not _takes_colour(self.tool):
            self.set_status(f"colour: {COLOR_NAMES[self.colour]} (objects only: pick door, key, ball or box)")
        else:
            self.set_status(f"colour: {COLOR_NAMES[self.colour]}")

    # -- mouse on the board ---------------------------------------------------------------------
    def cell_at(self, pos, clamp: bool = False) -> tuple[int, int] | None:
        if self.tile <= 0:
            return None
        col = (pos[0] - self.board_rect.left) // self.tile
        row = (pos[1] - self.board_rect.top) // self.tile
        if clamp:
            row = min(max(row, 0), self.level.height - 1)
            col = min(max(col, 0), self.level.width - 1)
        if 0 <= row < self.level.height and 0 <= col < self.level.width:
            return int(row), int(col)
        return None

    def cell_centre(self, cell: tuple[int, int]) -> tuple[int, int]:
        """The pixel at the middle of a cell (the tests click here)."""
        return (self.board_rect.left + cell[1] * self.tile + self.tile // 2,
                self.board_rect.top + cell[0] * self.tile + self.tile // 2)

    def _press(self, pos, button: int, mod) -> bool:
        for b in self.buttons:
            if b.rect.collidepoint(pos):
                if button == 1 and b.enabled:
                    self.run_command(b.command)
                return True
        cell = self.cell_at(pos)
        if cell is None or button not in (1, 2, 3):
            return False
        mods = pygame.key.get_mods() if mod is None else mod
        if button == 2 or (button == 1 and mods & pygame.KMOD_ALT):
            self.pick(cell)
            return True
        if self.drag is not None:  # a second button while dragging: finish the first stroke
            self._release(pos, self.drag["button"])
        tool = "erase" if button == 3 else self.tool
        self.hover = cell
        blocked = self.doc.blocked
        if tool == "start":
            self.doc.place_start(cell)
        elif self.mode == "fill":
            self.doc.flood(cell, tool, self.colour)
        elif self.mode == "pencil":
            self.doc.begin(f"paint {tool}")
            self.doc.paint_cell(cell, tool, self.colour)
            self.drag = {"button": button, "tool": tool, "anchor": cell, "last": cell}
        else:
            self.drag = {"button": button, "tool": tool, "anchor": cell, "last": cell}
        self._report_blocked(blocked)
        return True

    def _motion(self, pos) -> None:
        drag = self.drag
        self.hover = self.cell_at(pos, clamp=drag is not None)
        if drag is None or self.hover is None:
            return
        if self.mode == "pencil" and drag.get("anchor") is not None and self.doc.in_group:
            blocked = self.doc.blocked
            self.doc.paint(line_cells(drag["last"], self.hover), drag["tool"], self.colour)
            self._report_blocked(blocked)
        drag["last"] = self.hover

    def _release(self, pos, button: int) -> bool:
        drag = self.drag
        if drag is None or button != drag["button"]:
            return False
        self.drag = None
        end = self.cell_at(pos, clamp=True) or drag["last"]
        blocked = self.doc.blocked
        if self.doc.in_group:
            self.doc.end()
        elif self.mode in ("line", "rect", "filled"):
            self.doc.apply(self.mode, drag["anchor"], end, drag["tool"], self.colour)
        self._report_blocked(blocked)
        return True

    def _report_blocked(self, before: int) -> None:
        if self.doc.blocked > before:
            self.set_status("the agent start stays floor: move it with the Start tool (S) first", bad=True)

    def pick(self, cell) -> None:
        """The eyedropper: take the tool (and colour) of the cell under the cursor."""
        kind = int(self.level.kind[cell])
        if tuple(cell) == self.level.start:
            self.tool = "start"
        else:
            self.tool = {v: k for k, v in TOOL_KIND.items() if k != "erase"}[kind]
            if kind >= DOOR:
                self.colour = int(self.level.color[cell])
        self.set_status(f"picked {self.level.describe_cell(*cell) if self.tool != 'start' else 'the start tool'}")

    def preview_cells(self) -> list[tuple[int, int]]:
        """The cells the drag in progress would paint on release (drawn translucent)."""
        drag = self.drag
        if drag is None or self.hover is None:
            if drag is None and self.hover is not None and self.mode == "fill" and self.tool != "start":
                return flood_cells(self.level, self.hover)
            return [self.hover] if self.hover is not None else []
        if self.mode == "line":
            return line_cells(drag["anchor"], self.hover)
        if self.mode in ("rect", "filled"):
            return rect_cells(drag["anchor"], self.hover, self.mode == "filled")
        return [self.hover]

    # -- commands ----------------------------------------------------------------------------
    def cmd_colour_next(self) -> None:
        self.set_colour(self.colour + 1)

    def cmd_colour_prev(self) -> None:
        self.set_colour(self.colour - 1)

    def cmd_undo(self) -> None:
        self.drag = None
        label = self.doc.undo()
        self.set_status(f"undid {label}" if label else "nothing to undo")

    def cmd_redo(self) -> None:
        self.drag = None
        label = self.doc.redo()
        self.set_status(f"redid {label}" if label else "nothing to redo")

    def _resize(self, rows: int, cols: int) -> None:
        self.drag = None
        h, w = self.level.height, self.level.width
        if self.doc.resize(rows, cols):
            self._layout()
            self.set_status(f"resized {h}x{w} → {self.level.height}x{self.level.width} (Ctrl+Z undoes)")
        else:
            self.set_status(f"sides stay between {MIN_SIDE} and {MAX_SIDE}")

    def cmd_rows_more(self) -> None:
        self._resize(self.level.height + 1, self.level.width)

    def cmd_rows_fewer(self) -> None:
        self._resize(self.level.height - 1, self.level.width)

    def cmd_cols_more(self) -> None:
        self._resize(self.level.height, self.level.width + 1)

    def cmd_cols_fewer(self) -> None:
        self._resize(self.level.height, self.level.width - 1)

    def cmd_resize(self) -> None:
        def check(text):
            size = parse_size(text)
            if size is None:
                return "type rows and columns, e.g. 12x16"
            if not all(MIN_SIDE <= n <= MAX_SIDE for n in size):
                return f"each side is {MIN_SIDE} to {MAX_SIDE}"
            return None

        def done(text):
            if text is not None:
                self._resize(*parse_size(text))
        self.modal = TextPrompt("Resize: rows x columns", f"{self.level.height}x{self.level.width}", done,
                                hint=f"{MIN_SIDE} to {MAX_SIDE} a side; the outer wall and its doors stay outside",
                                max_length=9, validate=check)

    def cmd_new(self) -> None:
        self.drag = None
        h, w = self.level.height, self.level.width
        if self.doc.new(h, w):
            self.doc.path = None
            self.set_status(f"new empty {h}x{w} level (Ctrl+Z brings the old one back)")

    def cmd_generate(self) -> None:
        items = [MenuItem(d, d, DESCRIPTIONS.get(d, "")) for d in DISTRIBUTIONS]

        def chosen(distribution):
            if distribution is None:
                return

            def seeded(text):
                if text is not None:
                    self.distribution = distribution
                    self.seed = int(text)
                    self.cmd_generate_again()
            self.modal = TextPrompt(f"Generate '{distribution}': seed", str(self.seed), seeded, max_length=9,
                                    hint="the same distribution and seed always give the same level",
                                    validate=lambda t: None if t.strip().isdigit() else "a whole number, e.g. 7")
        menu = Menu("Generate a level from a distribution", items, chosen)
        menu.cursor = DISTRIBUTIONS.index(self.distribution)
        menu.layout(self.size)
        self.modal = menu

    def cmd_generate_again(self) -> None:
        self.drag = None
        if self.doc.generate(self.distribution, self.seed):
            self.doc.path = None
            self._layout()
            self.set_status(f"generated {self.distribution} seed {self.seed} (Shift+G: seed {self.seed + 1}; Ctrl+Z undoes)")
        self.seed += 1

    def cmd_rename(self) -> None:
        def done(text):
            if text is not None and self.doc.set_name(text):
                self.set_status(f"named '{self.level.name}'")
        self.modal = TextPrompt("Level name", self.level.name, done, max_length=60,
                                validate=lambda t: None if t.strip() else "a name cannot be empty")

    def cmd_describe(self) -> None:
        def done(text):
            if text is not None and self.doc.set_description(text):
                self.set_status("description changed")
        self.modal = TextPrompt("Level description", self.level.description, done, max_length=300,
                                hint="one line: what this level tests")

    def cmd_step_limit(self) -> None:
        def done(text):
            if text is not None and self.doc.set_step_limit(int(text)):
                self.set_status(f"step limit {self.level.effective_step_limit}")
        self.modal = TextPrompt("Step limit", str(self.level.step_limit), done, max_length=6,
                                hint=f"moves before an episode times out; 0 = one per cell ({self.level.height * self.level.width})",
                                validate=lambda t: None if t.strip().isdigit() else "a whole number, 0 for the default")

    def cmd_palette(self) -> None:
        self.palette = COLORBLIND if self.palette is NORMAL else NORMAL
        self._layout()
        self.set_status(f"{self.palette.name} palette (pixels only: the level's colours are unchanged)")

    def cmd_reach(self) -> None:
        self.show_reach = not self.show_reach
        self.set_status("shading floor the agent cannot reach" if self.show_reach else "reach shading off")

    # -- files -------------------------------------------------------------------------------
    def cmd_save(self, then: Callable[[], None] | None = None) -> None:
        target = save_target(self.doc.path)
        if target is None or self.level.name in ("", "untitled"):
            self.cmd_save_as(then)
            return
        self._write(target, then)

    def cmd_save_as(self, then: Callable[[], None] | None = None) -> None:
        default = self.level.name if self.level.name not in ("", "untitled") else ""

        def named(text):
            if text is None:
                self.set_status("not saved")
                return
            path = user_level_path(text)
            name = " ".join(text.split())

            def write():
                self.doc.set_name(name)
                self._write(path, then)
            if path.exists() and (self.doc.path is None or Path(self.doc.path).resolve() != path.resolve()):
                self.modal = Question("Overwrite?", f"A level file {path.name} already exists in your levels folder "
                                      f"({path.parent}). Replace it with '{name}'?",
                                      [Answer("Overwrite", K.K_o, "O", write), Answer("Cancel", K.K_ESCAPE, "Esc",
                                                                                       lambda: self.set_status("not saved"))])
            else:
                write()
        self.modal = TextPrompt("Save as: level name", default, named, max_length=60,
                                hint="saved in your levels folder; the play view lists it",
                                validate=lambda t: None if t.strip() else "a name cannot be empty")

    def _write(self, path: Path, then: Callable[[], None] | None = None) -> bool:
        try:
            save_level(self.level, path)
        except (OSError, ValueError) as exc:
            self.set_status(f"could not save {path}: {exc}", bad=True, seconds=15)
            return False
        self.doc.mark_saved(Path(path))
        self.recovery.clear()
        self.set_status(f"saved {path}")
        if then is not None:
            then()
        return True

    def guard(self, action: Callable[[], None], doing: str) -> None:
        """Run `action` now, or after asking what to do with unsaved edits."""
        if not self.doc.dirty:
            action()
            return

        def discard():
            self.recovery.clear()
            action()
        self.modal = Question(
            "Unsaved edits", f"'{self.level.name}' has edits that are not saved. Save them before you {doing}?",
            [Answer("Save", K.K_s, "S", lambda: self.cmd_save(then=action)),
             Answer("Discard", K.K_d, "D", discard),
             Answer("Cancel", K.K_ESCAPE, "Esc", lambda: self.set_status("cancelled"))])

    def cmd_open(self) -> None:
        entries = list_levels()
        entries.sort(key=lambda e: (e.builtin, e.name))  # the user's own first
        items = []
        for e in entries:
            where = "built-in" if e.builtin else "yours"
            if e.level is not None:
                items.append(MenuItem(f"{e.level.name}   [{e.path.name}, {where}, {e.level.height}×{e.level.width}]",
                                      e, e.level.description))
            else:
                items.append(MenuItem(f"{e.path.name}   [{where}, cannot be opened]", e, _short_error(e), enabled=False))
        if not items:
            self.set_status("no level files found", bad=True)
            return

        def chosen(entry):
            if entry is not None:
                self.guard(lambda: self.open_entry(entry), "open another level")
        menu = Menu("Open a level", items, chosen,
                    hint="↑↓ move   Enter/click: open   Esc: cancel   (red: a file with an error, shown below it)")
        menu.layout(self.size)
        self.modal = menu

    def open_entry(self, entry) -> None:
        self.open_path(entry.path)

    def open_path(self, path) -> bool:
        try:
            level = load_level(path)
        except LevelFormatError as exc:
            self.set_status(str(exc), bad=True, seconds=15)
            return False
        self.recovery.clear()
        self.doc = Document(level, path=Path(path))
        self.drag = None
        self._layout()
        note = " (built-in: Ctrl+S saves a copy in your folder)" if is_protected(path) else ""
        self.set_status(f"opened {Path(path).name}{note}")
        return True

    def cmd_try(self) -> None:
        self.drag = None
        self.doc.end()
        errors = [p for p in self.doc.problems if p.severity == "error"]
        if errors:
            self.set_status(f"cannot try it: {errors[0].message}", bad=True)
            return
        self._leave_for_play()
        back = "Ctrl+E: back to the editor"
        self.next_args = {"level": self.level.copy(), "status": f"Trying '{self.level.name}' — {back}"}

    def _leave_for_play(self) -> None:
        self.next_scene = "play"
        self._sent = self.level.copy()
        if self.doc.dirty:  # the editor sleeps while the play view runs: autosave now
            self.recovery.save(self.level, self.doc.path)

    def cmd_help(self) -> None:
        self.modal = "help"

    def cmd_back(self) -> None:
        if self.drag is not None:
            self.drag = None
            self.doc.end()
            return
        if self.parent_name == "play":
            # Back to the play view, which takes the edited level; the edits stay in this document
            # (and the recovery file) until saved.
            self._leave_for_play()
            self.next_args = {"level": self.level.copy(), "status": f"edited '{self.level.name}'"}
        else:
            self.cmd_quit()

    def cmd_quit(self) -> None:
        self.request_quit()

    def request_quit(self) -> bool:
        """Quit, or ask first when there are unsaved edits; True when a question is now showing."""
        if isinstance(self.modal, Question) and self.modal.title == "Unsaved edits":
            return True

        def leave():
            self.recovery.clear()
            self.next_scene = "quit"
        if self.doc.dirty:
            self.guard(leave, "quit")
            return True
        leave()
        return False

    # -- time ----------------------------------------------------------------------------------
    def update(self, dt: float) -> None:
        self._clock += dt
        if self.modal is None or not isinstance(self.modal, Question) or self.modal.title != "Recover unsaved edits?":
            if self.recovery.maybe_save(self.level, self.doc.path, self.doc.version, self.doc.dirty):
                if self.recovery.last_error:
                    self.set_status(self.recovery.last_error, bad=True)

    # -- layout --------------------------------------------------------------------------------
    def _layout(self) -> None:
        w, h = self.size
        fs = self._font_size()
        bh = max(18, line_height(fs) + 8)
        left_w = min(250, max(120, w // 5))
        right_w = min(320, max(0, w // 4)) if w >= 700 else 0
        self.buttons = []
        self._size_rows: dict[str, int] = {}
        # Top bar: file actions on the right.
        x = w - 8
        for label, command, hint in reversed((("Open", "open", "^O"), ("Save", "save", "^S"), ("Save as", "save_as", ""),
                                              ("Try it ▶", "try", "T"), ("Help", "help", "F1"))):
            bw = text_width(label, fs) + (text_width(hint, fs - 2) + 10 if hint else 0) + 18
            x -= bw
            self.buttons.append(Button(pygame.Rect(x, 6, bw, TOP_BAR - 12), label, command, hint=hint))
            x -= 6
        self._top_right = x
        # Left panel.
        col_w = (left_w - 24) // 2
        y = TOP_BAR + 8
        self._headers: list[tuple[str, int]] = []

        def header(text):
            nonlocal y
            self._headers.append((text, y))
            y += line_height(fs - 1) + 2

        header("Tool")
        for i, tool in enumerate(TOOLS):
            r, c = divmod(i, 2)
            rect = pygame.Rect(8 + c * (col_w + 8), y + r * (bh + 4), col_w, bh)
            self.buttons.append(Button(rect, tool.capitalize(), f"tool:{tool}", hint=chr(TOOL_KEYS[tool]).upper()))
        y += 4 * (bh + 4) + 6
        header("Colour")
        sw = (left_w - 16 - 4 * (N_COLORS - 1)) // N_COLORS
        for i in range(N_COLORS):
            rect = pygame.Rect(8 + i * (sw + 4), y, sw, bh + 4)
            self.buttons.append(Button(rect, str(i + 1), f"colour:{i}", swatch=self.palette.objects[i]))
        y += bh + 12
        header("Draw")
        for i, mode in enumerate(MODES):
            r, c = divmod(i, 2)
            rect = pygame.Rect(8 + c * (col_w + 8), y + r * (bh + 4), col_w, bh)
            self.buttons.append(Button(rect, MODE_SHORT[mode], f"mode:{mode}", hint=MODE_KEY_LABELS[mode]))
        y += 3 * (bh + 4) + 6
        header("History")
        self.buttons.append(Button(pygame.Rect(8, y, col_w, bh), "Undo", "undo", hint="^Z"))
        self.buttons.append(Button(pygame.Rect(16 + col_w, y, col_w, bh), "Redo", "redo", hint="^Y"))
        y += bh + 10
        header("Size")
        small = bh
        for label, more, fewer in (("Rows", "rows_more", "rows_fewer"), ("Cols", "cols_more", "cols_fewer")):
            self._size_rows[label] = y
            self.buttons.append(Button(pygame.Rect(left_w - 8 - 2 * small - 4, y, small, bh), "−", fewer))
            self.buttons.append(Button(pygame.Rect(left_w - 8 - small, y, small, bh), "+", more))
            y += bh + 4
        self.buttons.append(Button(pygame.Rect(8, y, left_w - 16, bh), "Resize…", "resize", hint="^R"))
        y += bh + 10
        header("Level")
        for i, (label, command, hint) in enumerate((("New", "new", "^N"), ("Generate…", "generate", "G"),
                                                    ("Rename", "rename", "N"), ("Describe", "describe", "⇧N"))):
            r, c = divmod(i, 2)
            rect = pygame.Rect(8 + c * (col_w + 8), y + r * (bh + 4), col_w, bh)
            self.buttons.append(Button(rect, label, command, hint=hint))
        y += 2 * (bh + 4)
        self._left_w, self._right_w = left_w, right_w
        # The board: the biggest whole-pixel tile that fits between the panels.
        area = pygame.Rect(left_w + 12, TOP_BAR + 12, max(1, w - left_w - right_w - 24), max(1, h - TOP_BAR - STATUS_BAR - 24))
        lh, lw = self.level.height, self.level.width
        self.tile = max(1, min(MAX_TILE, area.w // lw, area.h // lh))
        bw_, bh_ = self.tile * lw, self.tile * lh
        self.board_rect = pygame.Rect(area.left + (area.w - bw_) // 2, area.top + (area.h - bh_) // 2, bw_, bh_)
        self._area = area
        self._layout_shape = (lh, lw)
        if self.hover is not None and not (self.hover[0] < lh and self.hover[1] < lw):
            self.hover = None

    def _font_size(self) -> int:
        return 16 if self.size[1] >= 600 and self.size[0] >= 1000 else 14 if self.size[1] >= 420 else 12

    def _sync_buttons(self) -> None:
        for b in self.buttons:
            name, _, arg = b.command.partition(":")
            if name == "tool":
                b.active = arg == self.tool
                b.icon = self._icon(arg, b.rect.h - 6)
            elif name == "colour":
                b.active = int(arg) == self.colour
            elif name == "mode":
                b.active = arg == self.mode
            elif name == "undo":
                b.enabled = self.doc.can_undo
            elif name == "redo":
                b.enabled = self.doc.can_redo
            elif name in ("rows_more", "cols_more"):
                b.enabled = (self.level.height if name == "rows_more" else self.level.width) < MAX_SIDE
            elif name in ("rows_fewer", "cols_fewer"):
                b.enabled = (self.level.height if name == "rows_fewer" else self.level.width) > MIN_SIDE
            elif name == "save":
                b.active = False
                b.label = "Save*" if self.doc.dirty else "Save"

    def _icon(self, tool: str, size: int) -> pygame.Surface:
        size = max(8, size)
        key = (tool, self.colour if _takes_colour(tool) else 0, size, self.palette.name)
        icon = self._icons.get(key)
        if icon is None:
            if tool == "start":
                icon = self.renderer.tile(FLOOR, 0, size, self.palette).copy()
                BoardRenderer.draw_token(icon, (0, 0), size, (0, 0), 3, (255, 255, 255))
            elif tool == "erase":
                icon = self.renderer.tile(FLOOR, 0, size, self.palette).copy()
                pygame.draw.line(icon, self.palette.bad, (3, 3), (size - 4, size - 4), 2)
                pygame.draw.line(icon, self.palette.bad, (3, size - 4), (size - 4, 3), 2)
            else:
                icon = self.renderer.tile(TOOL_KIND[tool], key[1], size, self.palette).copy()
            pygame.draw.rect(icon, self.palette.panel_edge, icon.get_rect(), 1)
            self._icons[key] = icon
        return icon

    # -- drawing (never changes the document) -------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        if surface.get_size() != self.size or self._layout_shape != (self.level.height, self.level.width):
            self.size = surface.get_size()
            self._layout()
        pal = self.palette
        surface.fill(pal.background)
        self._sync_buttons()
        fs = self._font_size()
        self._draw_board(surface)
        self._draw_left(surface, fs)
        if self._right_w:
            self._draw_right(surface, fs)
        self._draw_top(surface, fs)
        self._draw_status(surface, fs)
        if self.modal == "help":
            self._draw_help(surface)
        elif self.modal is not None:
            self.modal.draw(surface, pal)

    def _draw_board(self, surface: pygame.Surface) -> None:
        pal, tile, origin = self.palette, self.tile, self.board_rect.topleft
        level = self.level
        pygame.draw.rect(surface, pal.panel_edge, self.board_rect.inflate(6, 6), 2, border_radius=3)
        self.renderer.draw_board(surface, origin, level, tile, pal)
        reach = self.doc.reachable()
        if self.show_reach and tile >= 4:
            shut = (level.kind == FLOOR) & ~reach
            if shut.any():
                veil = self._hatch(tile)
                for r, c in zip(*np.nonzero(shut)):
                    surface.blit(veil, (origin[0] + int(c) * tile, origin[1] + int(r) * tile))
        for r, c in self.doc.unreachable_cells():
            rect = pygame.Rect(origin[0] + c * tile, origin[1] + r * tile, tile, tile)
            pygame.draw.rect(surface, pal.bad, rect, max(2, tile // 9))
            if tile >= 14:
                badge = pygame.Rect(rect.right - tile // 3, rect.top, tile // 3, tile // 3)
                pygame.draw.rect(surface, pal.bad, badge)
                draw_text(surface, "!", badge.center, max(8, tile // 3), (255, 255, 255), anchor="center", bold=True)
        BoardRenderer.draw_token(surface, origin, tile, level.start, 3, (255, 255, 255), ring=(255, 255, 255))
        # What the tool would do here: ghost tiles under the cursor or along the drag.
        cells = self.preview_cells() if self.modal is None else []
        if cells and tile >= 3:
            tool = self.drag["tool"] if self.drag else self.tool
            ghost = self._ghost(tool, tile)
            for r, c in cells[:2048]:
                if 0 <= r < level.height and 0 <= c < level.width:
                    pos = (origin[0] + c * tile, origin[1] + r * tile)
                    surface.blit(ghost, pos)
                    pygame.draw.rect(surface, pal.selected, (*pos, tile, tile), 1)

    def _hatch(self, tile: int) -> pygame.Surface:
        key = ("hatch", tile)
        veil = self._icons.get(key)
        if veil is None:
            veil = pygame.Surface((tile, tile), pygame.SRCALPHA)
            veil.fill((0, 0, 0, 110))
            step = max(4, tile // 4)
            for i in range(-tile, tile, step):
                pygame.draw.line(veil, (150, 60, 60, 120), (i, tile), (i + tile, 0), 1)
            self._icons[key] = veil
        return veil

    def _ghost(self, tool: str, tile: int) -> pygame.Surface:
        key = ("ghost", tool, self.colour, tile, self.palette.name)
        ghost = self._icons.get(key)
        if ghost is None:
            if tool == "start":
                ghost = pygame.Surface((tile, tile), pygame.SRCALPHA)
                BoardRenderer.draw_token(ghost, (0, 0), tile, (0, 0), 3, (255, 255, 255))
            else:
                ghost = self.renderer.tile(TOOL_KIND[tool], self.colour if _takes_colour(tool) else 0, tile, self.palette).copy()
            ghost.set_alpha(150)
            self._icons[key] = ghost
        return ghost

    def _draw_top(self, surface, fs: int) -> None:
        pal = self.palette
        w = self.size[0]
        pygame.draw.rect(surface, pal.panel, (0, 0, w, TOP_BAR))
        pygame.draw.line(surface, pal.panel_edge, (0, TOP_BAR - 1), (w, TOP_BAR - 1))
        x = draw_text(surface, "Editor", (10, TOP_BAR // 2), fs + 2, pal.warn, anchor="midleft", bold=True).right + 12
        where = self.doc.path.name if self.doc.path else "not saved yet"
        if self.doc.path and is_protected(self.doc.path):
            where += " (built-in)"
        title = f"{self.level.name}{' *' if self.doc.dirty else ''}"
        x = draw_text(surface, title, (x, TOP_BAR // 2), fs + 1, pal.text, anchor="midleft", bold=True,
                      max_width=max(0, (self._top_right - x) * 3 // 5)).right + 10
        draw_text(surface, f"{where} · {self.level.height}×{self.level.width}", (x, TOP_BAR // 2), fs - 2, pal.text_dim,
                  anchor="midleft", max_width=max(0, self._top_right - x - 8))
        for b in self.buttons:
            if b.rect.top < TOP_BAR:
                b.draw(surface, pal, fs - 1, hover=b.rect.collidepoint(self.mouse))

    def _draw_left(self, surface, fs: int) -> None:
        pal = self.palette
        h = self.size[1]
        pygame.draw.rect(surface, pal.panel, (0, TOP_BAR, self._left_w, h - TOP_BAR - STATUS_BAR))
        pygame.draw.line(surface, pal.panel_edge, (self._left_w - 1, TOP_BAR), (self._left_w - 1, h - STATUS_BAR))
        for text, y in self._headers:
            label = text
            if text == "Colour":
                label = f"Colour: {COLOR_NAMES[self.colour]}"
            elif text == "Draw":
                label = f"Draw: {MODE_LABELS[self.mode].lower()}"
            draw_text(surface, label, (10, y), fs - 1, pal.text_dim, bold=True, max_width=self._left_w - 16)
        for label, y in self._size_rows.items():
            n = self.level.height if label == "Rows" else self.level.width
            draw_text(surface, f"{label}: {n}", (10, y + 3), fs - 1, pal.text, max_width=self._left_w - 80)
        for b in self.buttons:
            if b.rect.top >= TOP_BAR:
                b.draw(surface, pal, fs - 2, hover=b.rect.collidepoint(self.mouse))

    def _draw_right(self, surface, fs: int) -> None:
        pal = self.palette
        w, h = self.size
        x0 = w - self._right_w
        pygame.draw.rect(surface, pal.panel, (x0, TOP_BAR, self._right_w, h - TOP_BAR - STATUS_BAR))
        pygame.draw.line(surface, pal.panel_edge, (x0, TOP_BAR), (x0, h - STATUS_BAR))
        x, y, width = x0 + 12, TOP_BAR + 8, self._right_w - 24
        lh = line_height(fs - 1)
        bottom = h - STATUS_BAR - 6
        draw_text(surface, "Problems", (x, y), fs, pal.text, bold=True)
        y += lh + 4
        problems = self.doc.problems
        if not problems:
            dist = self.level.distances()
            doors = [dist[r, c] for r, c, k, _ in self.level.objects() if k == DOOR]
            lines = ["None: every object can be reached", f"door{'s' if len(doors) > 1 else ''} "
                     f"{', '.join(str(int(d)) for d in doors)} steps from the start"]
            for line in lines:
                draw_text(surface, "✓ " + line if line is lines[0] else "   " + line, (x, y), fs - 1, pal.good,
                          max_width=width)
                y += lh
        for p in problems:
            ink = pal.bad if p.severity == "error" else pal.warn
            for i, line in enumerate(wrap(p.message, fs - 1, width - 18)):
                if y + lh > bottom:
                    break
                draw_text(surface, ("● " if i == 0 else "   ") + line, (x, y), fs - 1, ink, max_width=width)
                y += lh
            y += 3
        if self.doc.unreachable_cells():
            y += 2
            for line in wrap("Cells framed in red on the map cannot be reached from the start.", fs - 2, width):
                draw_text(surface, line, (x, y), fs - 2, pal.text_dim, max_width=width)
                y += line_height(fs - 2)
        y += 12
        if y + 3 * lh < bottom:
            draw_text(surface, "Level", (x, y), fs, pal.text, bold=True)
            y += lh + 4
            level = self.level
            counts: dict[str, int] = {}
            for _, _, k, c in level.objects():
                name = f"{COLOR_NAMES[c]} {KIND_NAMES[k]}"
                counts[name] = counts.get(name, 0) + 1
            info = [f"name: {level.name}", f"size: {level.height} rows × {level.width} columns",
                    f"step limit: {level.effective_step_limit}" + ("" if level.step_limit else " (one per cell)"),
                    "objects: " + (", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "none")]
            for item in info:
                for line in wrap(item, fs - 2, width):
                    if y + lh > bottom:
                        break
                    draw_text(surface, line, (x, y), fs - 2, pal.text, max_width=width)
                    y += line_height(fs - 2)
            if level.description:
                for line in wrap(level.description, fs - 2, width)[:6]:
                    if y + lh > bottom:
                        break
                    draw_text(surface, line, (x, y), fs - 2, pal.text_dim, max_width=width)
                    y += line_height(fs - 2)
        # The cell under the cursor, at the bottom of the panel.
        under = self.cell_at(self.mouse)
        if under is not None:
            r, c = under
            d = int(self.level.distances()[r, c])
            what = "agent start" if (r, c) == self.level.start else self.level.describe_cell(r, c)
            text = f"row {r + 1}, col {c + 1}: {what}" + (f", {d} steps" if d > 0 else ", unreachable" if d < 0 and self.level.kind[r, c] != WALL else "")
            draw_text(surface, text, (x, bottom - lh), fs - 2, pal.text, max_width=width)
        if self.show_reach:
            draw_text(surface, "hatched: floor the agent cannot reach (H)", (x, bottom - 2 * lh - 4), fs - 3,
                      pal.text_dim, max_width=width)

    def _draw_status(self, surface, fs: int) -> None:
        pal = self.palette
        w, h = self.size
        bar = pygame.Rect(0, h - STATUS_BAR, w, STATUS_BAR)
        pygame.draw.rect(surface, pal.panel, bar)
        pygame.draw.line(surface, pal.panel_edge, bar.topleft, bar.topright)
        right = f"undo {len(self.doc.undo_stack)} · redo {len(self.doc.redo_stack)}"
        rx = draw_text(surface, right, (bar.right - 10, bar.centery), fs - 2, pal.text_dim, anchor="midright").left - 12
        if self.status and self._clock <= self._status_until:
            message, ink = self.status, pal.bad if self.status_bad else pal.text
        else:
            colour = f" {COLOR_NAMES[self.colour]}" if _takes_colour(self.tool) else ""
            message = (f"{self.tool}{colour} · {MODE_LABELS[self.mode].lower()} — left: paint, right: erase, "
                       f"middle: pick — T tries it with the agents — F1 or ? for every key")
            ink = pal.text_dim
        draw_text(surface, message, (10, bar.centery), fs - 1, ink, anchor="midleft", max_width=max(0, rx - 20))

    def _draw_help(self, surface) -> None:
        note = (f"Levels are saved in {user_level_path('x').parent}; unsaved edits are autosaved every few "
                "seconds and offered back after a crash.")
        draw_key_help(surface, self.palette, "Red Door — editor keys", EDITOR_BINDINGS, MOUSE_HELP, [note])


def _takes_colour(tool: str) -> bool:
    return TOOL_KIND.get(tool, FLOOR) >= DOOR


def _short_error(entry) -> str:
    """A level file's error without its (long) folder: 'line 5, column 4: ragged map: ...'."""
    error = entry.error or ""
    m = re.match(r"^" + re.escape(str(entry.path)) + r":(\d+):(\d+): (.*)$", error, re.S)
    return f"line {m.group(1)}, column {m.group(2)}: {m.group(3)}" if m else error


def _find_file(level: Level) -> Path | None:
    """The catalogue file holding exactly this level (so Ctrl+S saves back to it), or None."""
    try:
        for entry in list_levels():
            if entry.level is not None and entry.level.same_as(level):
                return entry.path
    except OSError:
        pass
    return None


# -- the smoke test ------------------------------------------------------------------------------
def run_smoke_test(app, level: Level | None) -> int:
    """`python main.py edit LEVEL --smoke-test`: headless, drive the editor with synthetic events (paint,
    line, undo/redo, resize, rename, save as, help, Try it and back), save into a temporary folder,
    reload the file and compare it with the same edits made directly on a Document; exit 0 if equal."""
    import os
    import tempfile
    import time

    home = Path(tempfile.mkdtemp(prefix="reddoor-edit-smoke-"))
    os.environ["REDDOOR_HOME"] = str(home)  # the user's own folders are never touched
    level = level.copy() if level is not None else Level.empty(9, 11)
    scene = EditorScene(level, None, recovery=Recovery(home / "autosave", interval=0.0))
    expected = Document(level)
    failures: list[str] = []
    state: dict = {}

    def key(k, mod=0, uni=""):
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode=uni, scancode=0))

    def typed(text):
        pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=text))

    def mouse(kind, cell, button=1):
        pos = scene.cell_centre(cell)
        if kind == pygame.MOUSEMOTION:
            pygame.event.post(pygame.event.Event(kind, pos=pos, rel=(0, 0), buttons=(1, 0, 0)))
        else:
            pygame.event.post(pygame.event.Event(kind, pos=pos, button=button))

    h, w = level.height, level.width
    free = [(r, c) for r in range(1, h - 1) for c in range(1, w - 1)
            if level.kind[r, c] == FLOOR and (r, c) != level.start]
    row = min(h - 2, max(1, h // 2))
    free = [cell for cell in free if cell[0] != row] or [(row - 1, 1)]
    door_cell = free[len(free) // 2]

    def script(frame: int, top, a) -> None:
        if frame == 3:
            key(K.K_d, uni="d")  # door tool
            key(K.K_3, uni="3")  # blue
            mouse(pygame.MOUSEBUTTONDOWN, door_cell)
            mouse(pygame.MOUSEBUTTONUP, door_cell)
            expected.paint_cell(door_cell, "door", 2)
        elif frame == 6:
            key(K.K_w, uni="w")
            key(K.K_l, uni="l")
            mouse(pygame.MOUSEBUTTONDOWN, (row, 1))
            mouse(pygame.MOUSEMOTION, (row, w // 2))
            mouse(pygame.MOUSEBUTTONUP, (row, w - 2))
            expected.line((row, 1), (row, w - 2), "wall")
        elif frame == 9:
            key(K.K_z, mod=pygame.KMOD_LCTRL)
            key(K.K_y, mod=pygame.KMOD_LCTRL)
            key(K.K_DOWN, mod=pygame.KMOD_LCTRL)  # one row more
            expected.resize(h + 1, w)
        elif frame == 12:
            key(K.K_n, uni="n")  # name
        elif frame == 13:
            key(K.K_u, mod=pygame.KMOD_LCTRL)
            typed("Smoke test")
            typed(" level")
            key(K.K_RETURN)
            expected.set_name("Smoke test level")
        elif frame == 16:
            key(K.K_F1)
        elif frame == 18:
            key(K.K_ESCAPE)
            key(K.K_s, mod=pygame.KMOD_LCTRL | pygame.KMOD_LSHIFT)
        elif frame == 20:
            key(K.K_RETURN)  # accept the name as the file name
        elif frame == 24:
            state["saved"] = scene.doc.path
            key(K.K_t, uni="t")  # Try it: the play view opens over the editor
        elif frame == 40:
            state["tried"] = type(top).__name__
            key(K.K_e, mod=pygame.KMOD_LCTRL)  # back to the editor
        elif frame == 50:
            state["back"] = top is scene
            for size in ((320, 200), (90, 60), (1600, 900)):
                a.resize(size)
                scene.resize(size)
                scene.draw(a.screen)
            a.resize((1280, 760))
            scene.resize((1280, 760))
        elif frame == 60:
            key(K.K_q, mod=pygame.KMOD_LCTRL)

    t0 = time.perf_counter()
    stats = app.run(scene, max_frames=240, script=script)
    path = state.get("saved")
    if path is None or not Path(path).is_file():
        failures.append(f"the level was not saved (status: {scene.status})")
    else:
        if Path(home) not in Path(path).resolve().parents:
            failures.append(f"saved outside the temporary folder: {path}")
        reloaded = load_level(path)
        if not reloaded.same_as(expected.level):
            failures.append("the saved file differs from the expected level")
        if reloaded.kind[door_cell] != 2 or reloaded.color[door_cell] != 2:
            failures.append("the blue door is not in the file")
    if state.get("tried") != "PlayScene":
        failures.append(f"Try it did not open the play view (top scene: {state.get('tried')})")
    if not state.get("back"):
        failures.append("Ctrl+E in the play view did not come back to the editor")
    if stats["frames"] >= 240:
        failures.append("Ctrl+Q did not quit")
    if scene.recovery.level_path.exists():
        failures.append("the recovery file is left after a clean quit")
    print(f"edit smoke-test: {stats['frames']} frames in {time.perf_counter() - t0:.1f} s, "
          f"saved and reloaded {Path(path).name if path else '-'} ({expected.level.height}x{expected.level.width}), "
          f"{len(expected.undo_stack)} edits")
    for f in failures:
        print(f"edit smoke-test FAILED: {f}")
    return 1 if failures else 0
