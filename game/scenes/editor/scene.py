"""The level editor: paint a level, see its problems as they arise, save it, try it with the agents.

The scene only translates input into calls on `game.core.editing.Document` (which holds the level
and the undo history) and draws; files go through `game.editor_files`. Tools and draw modes come
from one table (tools.py), keys from keys.py, the buttons' places from toolbar.py; dialogs.py
holds the questions and prompts, drawing.py the drawing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pygame

from reddoor.game.core.constants import COLOR_NAMES, DOOR, MAX_SIDE, MIN_SIDE, N_COLORS
from reddoor.game.core.editing import Document
from reddoor.game.core.generators import EVAL_SEED_BASE
from reddoor.game.core.level import Level
from reddoor.game.editor_files import Recovery
from reddoor.game.levels import catalogue_path
from reddoor.game.render.board import BoardRenderer
from reddoor.game.render.palette import NORMAL, Palette
from reddoor.game.scenes.base import Pop, Push, Quit, Scene, Transition
from reddoor.game.scenes.menu import Menu
from reddoor.game.scenes.widgets import Question, TextPrompt

from . import dialogs, drawing
from .commands import COMMANDS, quit_
from .keys import translate
from .toolbar import EditorLayout, layout_editor
from .tools import MODES_BY_NAME, takes_colour, tool_for_kind


@dataclass
class Drag:
    """A stroke under way: which button, which tool, the cell it began on and the last one."""

    button: int
    tool: str
    anchor: tuple[int, int]
    last: tuple[int, int]


class EditorScene(Scene):
    """Paint a level with tools, colours and draw modes; undo, problems, files, Try it."""

    registry_name = "edit"

    def __init__(
        self,
        level: Level | None = None,
        path: str | Path | None = None,
        *,
        status: str = "",
        recovery: Recovery | None = None,
        palette: Palette = NORMAL,
    ):
        if level is None:
            level = Level.empty(9, 11)
        if path is None:
            path = catalogue_path(level)
        self.doc = Document(level, path=Path(path) if path else None)
        self.palette = palette
        self.renderer = BoardRenderer()
        self.icons = drawing.Icons(self.renderer)
        self.recovery = recovery if recovery is not None else Recovery()
        self.tool, self.colour, self.mode = "wall", 0, "pencil"
        self.show_reach = True
        self.distribution, self.seed = "conflict", EVAL_SEED_BASE  # unseen levels first
        self.modal = None  # Menu | TextPrompt | Question | "help"
        self.drag: Drag | None = None
        self.hover: tuple[int, int] | None = None
        self.mouse = (0, 0)
        self.size = (1280, 760)
        self.layout: EditorLayout = layout_editor(self.size, (level.height, level.width), palette.objects)
        self.status, self.status_bad, self._status_until, self._clock = "", False, 0.0, 0.0
        self._transition: Transition | None = None  # what an answer in a dialog decided, returned next
        self._sent: Level | None = None  # the level last handed to the play view
        self.set_status(
            status or f"Editing '{self.doc.level.name}'. Paint with the left button; F1 or ? lists every key."
        )
        dialogs.offer_recovery(self)

    # -- state ---------------------------------------------------------------------------------
    @property
    def level(self) -> Level:
        return self.doc.level

    @property
    def buttons(self):
        return self.layout.buttons

    @property
    def board_rect(self) -> pygame.Rect:
        return self.layout.board

    @property
    def tile(self) -> int:
        return self.layout.tile

    def set_document(self, doc: Document) -> None:
        self.doc = doc
        self.drag = None
        self.relayout()

    def set_status(self, text: str, bad: bool = False, seconds: float = 6.0) -> None:
        self.status, self.status_bad = text, bad
        self._status_until = self._clock + seconds

    def status_line(self) -> tuple[str, str]:
        """The status line's message and its ink ('bad', 'text' or 'dim')."""
        if self.status and self._clock <= self._status_until:
            return self.status, "bad" if self.status_bad else "text"
        colour = f" {COLOR_NAMES[self.colour]}" if takes_colour(self.tool) else ""
        return (
            f"{self.tool}{colour} · {MODES_BY_NAME[self.mode].label.lower()} — left: paint, right: erase, "
            "middle: pick — T tries it with the agents — F1 or ? for every key"
        ), "dim"

    def go(self, transition: Transition) -> None:
        self._transition = transition

    # -- the app's hooks -----------------------------------------------------------------------
    def resize(self, size: tuple[int, int]) -> None:
        self.size = (max(1, size[0]), max(1, size[1]))
        self.relayout()
        if isinstance(self.modal, Menu):
            self.modal.layout(self.size)

    def relayout(self) -> None:
        self.layout = layout_editor(self.size, (self.level.height, self.level.width), self.palette.objects)
        if self.hover is not None and not (self.hover[0] < self.level.height and self.hover[1] < self.level.width):
            self.hover = None

    def enter(self, below: str | None, args: dict) -> None:
        """Opened, or back from the play view. Changes made there (recolours) come back as one undoable edit."""
        super().enter(below, args)
        self.drag = None
        level = args.get("level")
        if level is None:
            return
        if level.same_as(self.level) or (self._sent is not None and level.same_as(self._sent)):
            self.set_status("back in the editor")
            return
        path = catalogue_path(level)
        if path is not None and not self.doc.dirty:
            self.set_document(Document(level, path=path))
            self.set_status(f"editing {path.name}, the level the play view showed")
        else:
            self.doc.replace(level, "changes made in the play view")
            self.set_status("took the changes made in the play view (Ctrl+Z undoes)")
        self.relayout()

    def request_close(self) -> Transition | None:
        """Closing the window: ask about unsaved edits. Asked again while asking (a second close,
        a second SIGTERM), it closes: the edits stay in the autosave and are offered back next time."""
        if self.doc.dirty and dialogs.asking_about_unsaved(self):
            self.recovery.save(self.level, self.doc.path)
            return Quit()
        return quit_(self)

    # -- input ---------------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> Transition | None:
        transition = self._handle(event)
        if transition is None:
            transition, self._transition = self._transition, None
        return transition

    def _handle(self, event) -> Transition | None:
        if self.modal is not None:
            self._modal_event(event)
            return None
        if event.type == pygame.KEYDOWN:
            command = translate(event)
            if command is None:
                return None
            transition = self.run_command(command)
            typed = getattr(event, "unicode", "")
            if isinstance(self.modal, TextPrompt) and typed.isprintable():
                self.modal.swallow = typed or None
            return transition
        if event.type == pygame.MOUSEMOTION:
            self.mouse = event.pos
            self._motion(event.pos)
        elif event.type == pygame.MOUSEBUTTONDOWN:
            self.mouse = event.pos
            return self._press(event.pos, event.button, getattr(event, "mod", None))
        elif event.type == pygame.MOUSEBUTTONUP:
            self._release(event.pos, event.button)
        elif event.type == pygame.MOUSEWHEEL:
            self.run_command("colour_prev" if event.y > 0 else "colour_next")
        elif event.type == pygame.WINDOWLEAVE and self.drag is None:
            self.hover = None
        return None

    def _modal_event(self, event) -> None:
        modal = self.modal
        if modal == "help":
            if event.type in (pygame.KEYDOWN, pygame.MOUSEBUTTONDOWN):
                self.modal = None
            return
        modal.handle_event(event)
        if modal.closed and self.modal is modal:
            self.modal = None
        elif isinstance(self.modal, Menu):
            self.modal.layout(self.size)

    def run_command(self, command: str) -> Transition | None:
        name, _, arg = command.partition(":")
        if name == "tool":
            self.tool = arg
            self.set_status(f"tool: {arg}" + (f" ({COLOR_NAMES[self.colour]})" if takes_colour(arg) else ""))
        elif name == "colour":
            self.set_colour(int(arg))
        elif name == "mode":
            self.mode = arg
            self.set_status(f"draw mode: {MODES_BY_NAME[arg].label}")
        else:
            return COMMANDS[name](self)
        return None

    def set_colour(self, colour: int) -> None:
        self.colour = colour % N_COLORS
        extra = "" if takes_colour(self.tool) else " (objects only: pick door, key, ball or box)"
        self.set_status(f"colour: {COLOR_NAMES[self.colour]}{extra}")

    # -- mouse on the board ---------------------------------------------------------------------
    def cell_at(self, pos, clamp: bool = False) -> tuple[int, int] | None:
        if self.tile <= 0:
            return None
        col = (pos[0] - self.board_rect.left) // self.tile
        row = (pos[1] - self.board_rect.top) // self.tile
        if clamp:
            row, col = min(max(row, 0), self.level.height - 1), min(max(col, 0), self.level.width - 1)
        if 0 <= row < self.level.height and 0 <= col < self.level.width:
            return int(row), int(col)
        return None

    def cell_centre(self, cell: tuple[int, int]) -> tuple[int, int]:
        """The pixel at the middle of a cell (the tests click here)."""
        return (
            self.board_rect.left + cell[1] * self.tile + self.tile // 2,
            self.board_rect.top + cell[0] * self.tile + self.tile // 2,
        )

    def _press(self, pos, button: int, mod) -> Transition | None:
        for b in self.buttons:
            if b.rect.collidepoint(pos):
                return self.run_command(b.command) if button == 1 and b.enabled else None
        cell = self.cell_at(pos)
        if cell is None or button not in (1, 2, 3):
            return None
        mods = pygame.key.get_mods() if mod is None else mod
        if button == 2 or (button == 1 and mods & pygame.KMOD_ALT):
            self.pick(cell)
            return None
        if self.drag is not None:  # a second button while dragging: finish the first stroke
            self._release(pos, self.drag.button)
        tool, mode = "erase" if button == 3 else self.tool, MODES_BY_NAME[self.mode]
        self.hover = cell
        blocked = self.doc.blocked
        if tool == "start":
            self.doc.place_start(cell)
        elif mode.stroke == "click":
            self.doc.apply(mode.name, cell, cell, tool, self.colour)
        else:
            if mode.stroke == "paint":
                self.doc.begin(f"paint {tool}")
                self.doc.paint_cell(cell, tool, self.colour)
            self.drag = Drag(button, tool, cell, cell)
        self._report_blocked(blocked)
        return None

    def _motion(self, pos) -> None:
        drag = self.drag
        self.hover = self.cell_at(pos, clamp=drag is not None)
        if drag is None or self.hover is None:
            return
        if MODES_BY_NAME[self.mode].stroke == "paint" and self.doc.in_group:
            blocked = self.doc.blocked
            self.doc.paint(MODES_BY_NAME["line"].cells(self.level, drag.last, self.hover), drag.tool, self.colour)
            self._report_blocked(blocked)
        drag.last = self.hover

    def _release(self, pos, button: int) -> None:
        drag = self.drag
        if drag is None or button != drag.button:
            return
        self.drag = None
        end = self.cell_at(pos, clamp=True) or drag.last
        blocked = self.doc.blocked
        if self.doc.in_group:
            self.doc.end()
        elif MODES_BY_NAME[self.mode].stroke == "span":
            self.doc.apply(self.mode, drag.anchor, end, drag.tool, self.colour)
        self._report_blocked(blocked)

    def _report_blocked(self, before: int) -> None:
        if self.doc.blocked > before:
            self.set_status("the agent start stays floor: move it with the Start tool (S) first", bad=True)

    def pick(self, cell) -> None:
        """The eyedropper: take the tool (and colour) of the cell under the cursor."""
        kind = int(self.level.kind[cell])
        if tuple(cell) == self.level.start:
            self.tool = "start"
        else:
            self.tool = tool_for_kind(kind)
            if kind >= DOOR:
                self.colour = int(self.level.color[cell])
        self.set_status(f"picked {self.level.describe_cell(*cell) if self.tool != 'start' else 'the start tool'}")

    def preview_cells(self) -> list[tuple[int, int]]:
        """The cells the stroke in progress (or a click here) would paint (drawn translucent)."""
        if self.hover is None:
            return []
        mode = MODES_BY_NAME[self.mode]
        if self.drag is not None:
            return mode.cells(self.level, self.drag.anchor, self.hover) if mode.stroke == "span" else [self.hover]
        return (
            mode.cells(self.level, self.hover, self.hover)
            if mode.stroke == "click" and self.tool != "start"
            else [self.hover]
        )

    # -- what commands call back -------------------------------------------------------------
    def resize_level(self, rows: int, cols: int) -> None:
        self.drag = None
        h, w = self.level.height, self.level.width
        if self.doc.resize(rows, cols):
            self.relayout()
            self.set_status(f"resized {h}x{w} → {self.level.height}x{self.level.width} (Ctrl+Z undoes)")
        else:
            self.set_status(f"sides stay between {MIN_SIDE} and {MAX_SIDE}")

    def to_play(self, status: str) -> Transition:
        """The play view on this level: back to it when it opened the editor, else opened over it.
        The editor sleeps meanwhile, so unsaved edits are autosaved now."""
        self._sent = self.level.copy()
        if self.doc.dirty:
            self.recovery.save(self.level, self.doc.path)
        args = {"level": self.level.copy(), "status": status}
        return Pop(args) if self.below == "play" else Push("play", args)

    # -- time ----------------------------------------------------------------------------------
    def update(self, dt: float) -> Transition | None:
        self._clock += dt
        if not (isinstance(self.modal, Question) and self.modal.title == dialogs.RECOVER):
            if self.recovery.maybe_save(self.level, self.doc.path, self.doc.version, self.doc.dirty):
                if self.recovery.last_error:
                    self.set_status(self.recovery.last_error, bad=True)
        transition, self._transition = self._transition, None
        return transition

    # -- drawing (never changes the document) -------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        lay = self.layout
        if surface.get_size() != lay.size or lay.board.size != (
            self.level.width * lay.tile,
            self.level.height * lay.tile,
        ):
            self.size = surface.get_size()
            self.relayout()
        surface.fill(self.palette.background)
        self._sync_buttons()
        drawing.draw_board(surface, self)
        drawing.draw_left(surface, self)
        if self.layout.right_w:
            drawing.draw_right(surface, self)
        drawing.draw_top(surface, self)
        drawing.draw_status(surface, self)
        if self.modal == "help":
            drawing.draw_help(surface, self)
        elif self.modal is not None:
            self.modal.draw(surface, self.palette)

    def _sync_buttons(self) -> None:
        for b in self.buttons:
            name, _, arg = b.command.partition(":")
            if name == "tool":
                b.active = arg == self.tool
                b.icon = self.icons.tool(arg, self.colour, b.rect.h - 6, self.palette)
            elif name == "colour":
                b.active = int(arg) == self.colour
            elif name == "mode":
                b.active = arg == self.mode
            elif name in ("undo", "redo"):
                b.enabled = self.doc.can_undo if name == "undo" else self.doc.can_redo
            elif name in ("rows_more", "cols_more"):
                b.enabled = (self.level.height if name == "rows_more" else self.level.width) < MAX_SIDE
            elif name in ("rows_fewer", "cols_fewer"):
                b.enabled = (self.level.height if name == "rows_fewer" else self.level.width) > MIN_SIDE
            elif name == "save":
                b.label = "Save*" if self.doc.dirty else "Save"
