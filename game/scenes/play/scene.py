"""The play view: agents acting live on one shared level, live recolouring, the O_base/O_alt overlay.

Each agent gets its own panel (its own World on the same Level object) so their paths can be told
apart at a glance; a click on an object in any panel recolours it for all of them. The sidebar is
the overlay: the totals per agent under the objectives shown, and the legend. This module holds
input and the window; the state and what the keys do to it are game/model/play.py (PlayModel, no
pygame); layout.py places, panels.py and sidebar.py draw, commands.py maps keys to the model.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pygame

from reddoor.agents.base import Agent, Explanation
from reddoor.game.core.describe import plural
from reddoor.game.core.level import Level
from reddoor.game.levels import LevelEntry
from reddoor.game.model import PlayModel
from reddoor.game.model.play import STATUS_SECONDS
from reddoor.game.model.roster import load_agent
from reddoor.game.model.tour import Tour
from reddoor.game.paths import user_dir
from reddoor.game.render.board import BoardRenderer
from reddoor.game.render.capture import GifRecorder, save_screenshot
from reddoor.game.render.palette import NORMAL, Palette
from reddoor.game.scenes.base import Quit, Scene, Transition
from reddoor.game.scenes.keymap import translate
from reddoor.game.scenes.menu import Menu

from .commands import COMMANDS
from .layout import Layout, compute_layout
from .panels import PlayView, draw_agent_panel, draw_help, draw_status, draw_tour_card, tour_card_lines
from .sidebar import draw_sidebar, score_columns, score_rows


class PlayScene(Scene):
    """Watch agents act, recolour while they do, and read the score under O_base and O_alt.

    The state and what the keys do to it are `self.model` (game/model/play.py, no pygame); the
    scene holds what only a window has: its size and layout, the palette, menus, the help,
    screenshots and GIFs, where the mouse is."""

    registry_name = "play"

    def __init__(
        self,
        level: Level | None = None,
        agents: list[Agent] | None = None,
        *,
        catalogue: list[LevelEntry] | None = None,
        status: str = "",
        output_dir: Callable[[str], Path] = user_dir,
        agent_loader=load_agent,
        defer_agents: bool = False,
        specs: list[str] | None = None,
    ):
        self.model = PlayModel(
            level,
            agents,
            catalogue=catalogue,
            status=status,
            agent_loader=agent_loader,
            defer_agents=defer_agents,
            specs=specs,
        )
        self.palette: Palette = NORMAL
        self.renderer = BoardRenderer()
        self.output_dir = output_dir
        self.overlay = True
        self.help_open = False
        self.menu: Menu | None = None
        self.recorder = GifRecorder()
        self.screenshot_pending = False
        self.last_saved: Path | None = None
        self.capture_folder = ""
        self.size = (1280, 760)
        self._layout: Layout | None = None
        self._layout_key: tuple = ()
        self.last_dt = 0.0
        self.frames_drawn = 0
        self.mouse_pos: tuple[int, int] | None = None
        self.zoomed = False  # Z: the selected agent's panel fills the map area
        self.tour: Tour | None = None  # the presenter's tour, while it runs (W, or `python main.py tour`)

    # -- what the model holds, read (the model is written through its methods) -----------------
    @property
    def level(self) -> Level:
        return self.model.level

    @property
    def runs(self):
        return self.model.runs

    @property
    def session(self):
        return self.model.session

    @property
    def status(self) -> str:
        return self.model.status

    def set_status(self, text: str, seconds: float = STATUS_SECONDS) -> None:
        self.model.set_status(text, seconds)

    def thinking(self) -> list[str]:
        return self.model.thinking()

    def score_columns(self) -> list[str]:
        return score_columns(self.model.shown)

    def score_rows(self) -> list[tuple[str, list[int]]]:
        return score_rows(self.runs, self.model.shown, self.model.all_levels)

    # -- the window ------------------------------------------------------------------------------
    @property
    def layout(self) -> Layout:
        """Panels and sidebar for the window as it is: recomputed when its size, the number of
        agents, the level's shape or the overlay changes."""
        card = self.tour.card() if self.tour is not None else None
        key = (self.size, len(self.shown_runs()), self.level.kind.shape, self.overlay, card)
        if self._layout is None or key != self._layout_key:
            self._layout = self._compute_layout(self.size, card)
            self._layout_key = key
        return self._layout

    def shown_runs(self) -> list[int]:
        """The agents with a panel, in panel order: all of them, or the selected one when zoomed (Z)."""
        if self.zoomed and self.runs:
            return [min(self.model.selected, len(self.runs) - 1)]
        return list(range(len(self.runs)))

    def toggle_zoom(self) -> None:
        self.zoomed = not self.zoomed
        self.relayout()
        run = self.model.selected_run()
        if self.zoomed and run is not None:
            self.set_status(f"{run.name} fills the map (Tab: the next agent's panel; Z again: every panel)")
        else:
            self.set_status("every agent's panel again")

    def _compute_layout(self, size, card) -> Layout:
        n = len(self.shown_runs())
        base = compute_layout(size, n, self.level.kind.shape, sidebar=self.overlay)
        if card is None:
            return base
        # The card spans the map area: its height is what its caption needs at that width.
        width = base.size[0] - (base.sidebar.w if base.sidebar else 0) - 16
        card_h = tour_card_lines(card, width)[2]
        return compute_layout(size, n, self.level.kind.shape, sidebar=self.overlay, card_h=card_h)

    # -- the tour ------------------------------------------------------------------------------
    def start_tour(self) -> None:
        self.help_open, self.menu = False, None
        self.tour = Tour(self.model)
        self.tour.go(0)
        self.relayout()

    def tour_key(self, event) -> bool:
        """→ / PgDn next step, ← / PgUp back, Esc leaves (a presenter's clicker sends PgDn / PgUp);
        every other key does what it always does. True when the key was the tour's."""
        if event.key in (pygame.K_RIGHT, pygame.K_PAGEDOWN):
            if not self.tour.go(1):
                self.set_status("the tour's last step: ← goes back, Esc leaves the tour")
        elif event.key in (pygame.K_LEFT, pygame.K_PAGEUP):
            if not self.tour.go(-1):
                self.set_status("the tour's first step: → goes on, Esc leaves the tour")
        elif event.key == pygame.K_ESCAPE:
            self.tour = None
            self.set_status("tour left: the play view as it is (W starts the tour again)")
        else:
            return False
        self.relayout()
        return True

    def resize(self, size: tuple[int, int]) -> None:
        self.size = (max(1, size[0]), max(1, size[1]))
        self.relayout()

    def relayout(self) -> None:
        self._layout = None
        if self.menu is not None:
            self.menu.layout(self.size)

    def open_menu(self, menu: Menu) -> None:
        self.help_open = False
        self.menu = menu
        menu.layout(self.size)

    # -- the app's hooks -----------------------------------------------------------------------
    def enter(self, below: str | None, args: dict) -> None:
        """Opened (over the editor, for Try it), or back from the editor with the edited level."""
        super().enter(below, args)
        level, status = args.get("level"), args.get("status", "")
        if level is not None:
            self.model.edited_level(level)
        if status:
            self.set_status(status)

    def leave(self) -> None:
        self.stop_work()

    def stop_work(self) -> None:
        """A GIF being made is written; the agents' queued work is dropped."""
        self.recorder.finish()
        self.model.stop_work()

    def request_close(self) -> Transition:
        self.stop_work()  # never blocks closing
        return Quit()

    # -- input -------------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> Transition | None:
        if self.menu is not None:
            self.menu.handle_event(event)
            if self.menu is not None and self.menu.closed:
                self.menu = None
            elif self.menu is not None:
                self.menu.layout(self.size)
            return None
        if event.type == pygame.KEYDOWN and self.tour is not None and not self.help_open and self.tour_key(event):
            return None
        if event.type == pygame.KEYDOWN:
            name = translate(event)
            if self.help_open and name != "quit":
                self.help_open = False  # the help is modal: any key closes it (the help key too), nothing else
                return None
            return self.run_command(name) if name is not None else None
        if event.type == pygame.MOUSEMOTION:
            self.mouse_pos = event.pos
        elif event.type == pygame.MOUSEBUTTONDOWN:
            self.mouse_pos = event.pos
            if self.help_open:
                self.help_open = False
            else:
                self.click(event.pos, event.button)
        return None

    def run_command(self, name: str) -> Transition | None:
        """Do what a key means (the keymap names the command; a test may call this directly)."""
        return COMMANDS[name](self)

    def click(self, pos: tuple[int, int], button: int = 1) -> bool:
        """A click in a panel: on an object, recolour (or steer); elsewhere select that panel's agent."""
        for i, panel in zip(self.shown_runs(), self.layout.panels):
            if panel.rect.collidepoint(pos):
                self.model.click_cell(
                    i, BoardRenderer.cell_at(panel.board.topleft, panel.tile, self.level.kind.shape, pos), button
                )
                return True
        return False

    def recolour(self, cell: tuple[int, int], delta: int = 1) -> None:
        self.model.recolour(cell, delta)

    def cell_under(self, pos) -> tuple[int, int] | None:
        """The level cell under a window pixel, in whichever panel it falls; None elsewhere."""
        if pos is None:
            return None
        for panel in self.layout.panels:
            if panel.board.collidepoint(pos):
                return BoardRenderer.cell_at(panel.board.topleft, panel.tile, self.level.kind.shape, pos)
        return None

    # -- time --------------------------------------------------------------------------------
    def tick(self) -> None:
        self.model.tick()

    def update(self, dt: float) -> None:
        self.last_dt = dt
        if self.frames_drawn:
            self.model.start_loading()  # deferred agents load once the first frame is on screen
        self.model.update(dt)
        if self.recorder.result is not None:
            kind, message = self.recorder.result
            self.recorder.result = None
            self.set_status(f"GIF saved: {message}" if kind == "saved" else f"GIF not saved: {message}", seconds=10)
        return None

    # -- capture (reads the finished frame) --------------------------------------------------
    def after_frame(self, surface: pygame.Surface) -> None:
        self.frames_drawn += 1
        if self.screenshot_pending:
            self.screenshot_pending = False
            try:
                self.last_saved = save_screenshot(surface, self.output_dir("screenshots"))
                self.set_status(f"screenshot saved: {self.last_saved}", seconds=10)
            except (OSError, pygame.error) as exc:
                self.set_status(f"screenshot not saved: {exc}", seconds=10)
        # A GIF is for a slide: the map and the sidebar, not the status line (nor its REC badge).
        top = min(self.layout.status.top, surface.get_height())
        frame = surface.subsurface(pygame.Rect(0, 0, surface.get_width(), top)) if top > 0 else surface
        if self.recorder.recording and self.recorder.capture(frame, self.last_dt or 1 / 60):
            path = self.recorder.stop()
            self.set_status(f"30 s recorded; writing {path} …")

    # -- drawing -----------------------------------------------------------------------------
    def explanation(self) -> Explanation | None:
        return self.model.explanation()

    def view(self) -> PlayView:
        """The state as the drawing code may read it."""
        m = self.model
        status = m.status_now() or (
            f"{self.level.name} — {plural(len(self.runs), 'agent')} — click an object to recolour — "
            "T: totals of all levels — F1 or ? for help"
        )
        explained = m.worker.explained
        return PlayView(
            level=self.level,
            runs=tuple(self.runs),
            palette=self.palette,
            shown=tuple(m.shown),
            overlay=self.overlay,
            selected=min(m.selected, max(0, len(self.runs) - 1)),
            explain_mode=m.explain_mode,
            explanation=m.explanation(),
            explain_version=explained.version if explained else 0,
            ready=m.ready,
            hover=self.cell_under(self.mouse_pos) if self.menu is None and not self.help_open else None,
            all_levels=m.all_levels,
            where=m.where(),
            original_description=self.level.same_as(m.pristine),
            status=status,
            speed_text=m.speed_text(),
            paused=m.paused,
            recording=self.recorder.elapsed() if self.recorder.recording else None,
            writing_gif=self.recorder.writing,
            **m.inside_view(),
        )

    def draw(self, surface: pygame.Surface) -> None:
        view = self.view()
        surface.fill(view.palette.background)
        layout: Layout = self.layout
        card = self.tour.card() if self.tour is not None else None
        shown = self.shown_runs()
        if layout.size != surface.get_size() or len(layout.panels) != len(shown):
            layout = self._compute_layout(surface.get_size(), card)
        for i, panel in zip(shown, layout.panels):
            draw_agent_panel(surface, self.renderer, layout, i, panel, view)
        if layout.sidebar is not None:
            draw_sidebar(surface, layout.sidebar, layout.fs, view)
        if card is not None and layout.card is not None:
            draw_tour_card(surface, layout.card, view.palette, card)
        draw_status(surface, layout, view)
        if self.help_open:
            draw_help(surface, view.palette, self.capture_folder)
        if self.menu is not None:
            self.menu.draw(surface, view.palette)
