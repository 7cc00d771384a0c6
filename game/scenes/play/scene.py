"""The play view: agents acting live on one shared level, live recolouring, the O_base/O_alt overlay.

Each agent gets its own panel (its own World on the same Level object) so their paths can be told
apart at a glance; a click on an object in any panel recolours it for all of them. The sidebar is
the overlay: the totals per agent under the objectives shown, and the legend. This module holds
the state and input; layout.py places, panels.py and sidebar.py draw, commands.py acts, worker.py
runs the agents' slow work off this thread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pygame

from reddoor.agents import kinds as agent_kinds
from reddoor.agents.base import Agent, Explanation
from reddoor.game.core.constants import COLOR_NAMES, DOOR
from reddoor.game.core.describe import plural
from reddoor.game.core.generators import generate
from reddoor.game.core.level import Level
from reddoor.game.core.objectives import O_ALT, O_BASE, OBJECTIVES, Objective
from reddoor.game.levels import DEFAULT_LEVEL, LevelEntry, list_levels
from reddoor.game.paths import user_dir
from reddoor.game.render.board import BoardRenderer
from reddoor.game.render.capture import GifRecorder, save_screenshot
from reddoor.game.render.palette import NORMAL, Palette
from reddoor.game.scenes.base import Quit, Scene, Transition
from reddoor.game.scenes.keymap import translate
from reddoor.game.scenes.menu import Menu
from reddoor.game.session import Session, objective_names

from .commands import COMMANDS, SPEEDS, explain_status, views
from .layout import Layout, compute_layout
from .panels import PlayView, draw_agent_panel, draw_help, draw_status, short_label
from .roster import build_roster, failure_message, load_agent
from .sidebar import draw_sidebar, score_columns, score_rows
from .steering import ProbeView, SteerTool, live_view, steer
from .worker import AgentWorker

DEFAULT_SPEED = 8
MAX_TICKS_PER_FRAME = 60  # a slow frame must not snowball into a burst of hundreds of steps
HOLD_SECONDS = 0.6  # how long a finished episode stays on screen before the next starts
STATUS_SECONDS = 6.0


class PlayScene(Scene):
    """Watch agents act, recolour while they do, and read the score under O_base and O_alt."""

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
    ):
        self.palette: Palette = NORMAL
        self.renderer = BoardRenderer()
        self.worker = AgentWorker()
        self.output_dir = output_dir
        self.agent_loader = agent_loader
        self.catalogue = catalogue if catalogue is not None else _safe_list_levels()
        self.level_index = self._index_of(level)
        self.agent_failures: dict[str, str] = {}
        if level is None:
            level = (
                self.catalogue[self.level_index].level.copy()
                if self.level_index is not None
                else generate("conflict", 0)
            )
        if agents is None:
            agents, self.agent_failures = build_roster(list(agent_kinds.PLAY_VIEW_DEFAULTS), agent_loader)
        self.session = Session(level, agents)
        self.pristine = level.copy()  # the level as opened: its author's description holds while equal
        self.paused = False
        self.speed_index = SPEEDS.index(DEFAULT_SPEED)
        self.hold_seconds = HOLD_SECONDS
        self.accumulator = 0.0
        self.shown: list[Objective] = [O_BASE, O_ALT]
        self.overlay = True
        self.all_levels = False  # the sidebar's totals: this level as it is now, or every episode
        self.explain_mode = 0
        self.steer, self.probe = SteerTool(), ProbeView()  # the steer tool and the probe view (steering.py)
        self.explain_announce = False
        self.selected = 0
        self.help_open = False
        self.menu: Menu | None = None
        self.generator, self.generator_seed = "conflict", 0
        self.recorder = GifRecorder()
        self.screenshot_pending = False
        self.last_saved: Path | None = None
        self.capture_folder = ""
        self.size = (1280, 760)
        self.layout = compute_layout(self.size, len(self.session.runs), level.kind.shape)
        self.last_dt = 0.0
        self.clock = 0.0
        self._reported_errors: set[int] = set()
        self.mouse_pos: tuple[int, int] | None = None
        self.status, self._status_until = "", 0.0
        note = failure_message(self.agent_failures)
        self.set_status(
            status
            or (
                f"{note} — F1 or ? for help"
                if note
                else f"{plural(len(agents), 'agent')} on '{level.name}'. Click an object to recolour it; "
                "F1 or ? for help."
            ),
            seconds=12,
        )

    # -- state -------------------------------------------------------------------------------
    @property
    def level(self) -> Level:
        return self.session.level

    @property
    def speed(self) -> float:
        return SPEEDS[self.speed_index]

    @property
    def runs(self):
        return self.session.runs

    def speed_text(self) -> str:
        return f"{self.speed:g} step{'s' if self.speed != 1 else ''}/s"

    def set_status(self, text: str, seconds: float = STATUS_SECONDS) -> None:
        self.status = text
        self._status_until = self.clock + seconds

    def _index_of(self, level: Level | None) -> int | None:
        loadable = [i for i, e in enumerate(self.catalogue) if e.level is not None]
        if level is None:
            named = [i for i in loadable if self.catalogue[i].name == DEFAULT_LEVEL]
            return (named or loadable or [None])[0]
        return next((i for i in loadable if self.catalogue[i].level.same_as(level)), None)

    def refresh_catalogue(self) -> None:
        self.catalogue = _safe_list_levels()

    def resize(self, size: tuple[int, int]) -> None:
        self.size = (max(1, size[0]), max(1, size[1]))
        self.relayout()

    def relayout(self) -> None:
        self.layout = compute_layout(self.size, len(self.runs), self.level.kind.shape, sidebar=self.overlay)
        if self.menu is not None:
            self.menu.layout(self.size)

    def step_level(self, delta: int) -> None:
        loadable = [i for i, e in enumerate(self.catalogue) if e.level is not None]
        if not loadable:
            self.set_status("no level files found; G generates a level")
            return
        if self.level_index in loadable:
            pos = (loadable.index(self.level_index) + delta) % len(loadable)
        else:
            pos = 0 if delta > 0 else len(loadable) - 1
        self.open_level_index(loadable[pos])

    def open_level_index(self, index: int) -> None:
        entry = self.catalogue[index]
        if entry.level is None:
            self.set_status(f"cannot open {entry.name}: {entry.error}")
            return
        self.level_index = index
        # A copy: recolouring must not change the catalogue's pristine version of the level.
        self.set_level(entry.level.copy(), f"level {entry.name}" + ("" if entry.builtin else " (yours)"))

    def set_level(self, level: Level, what: str = "") -> None:
        self.session.set_level(level)
        for run in self.runs:  # a steering names a cell of the old level
            getattr(run.agent, "clear_steering", lambda: None)()
        self.pristine = level.copy()
        self.worker.forget_explanation()
        self.relayout()
        problems = [str(p) for p in level.problems()]
        self.set_status(f"{what or level.name}: {level.name}" + (f" — {problems[0]}" if problems else ""))

    def objectives_chosen(self, names) -> None:
        self.shown = [OBJECTIVES[n] for n in objective_names() if n in set(names)]
        self.set_status("showing " + (", ".join(short_label(o) for o in self.shown) or "no objective marks"))

    def open_menu(self, menu: Menu) -> None:
        self.help_open = False
        self.menu = menu
        menu.layout(self.size)

    def score_columns(self) -> list[str]:
        return score_columns(self.shown)

    def score_rows(self) -> list[tuple[str, list[int]]]:
        return score_rows(self.runs, self.shown, self.all_levels)

    # -- the app's hooks -----------------------------------------------------------------------
    def enter(self, below: str | None, args: dict) -> None:
        """Opened (over the editor, for Try it), or back from the editor with the edited level."""
        super().enter(below, args)
        level, status = args.get("level"), args.get("status", "")
        if level is not None:
            self.level_index = self._index_of(level)
            self.set_level(level, "edited")
        if status:
            self.set_status(status)

    def leave(self) -> None:
        self.stop_work()

    def stop_work(self) -> None:
        """A GIF being made is written; the agents' queued work is dropped."""
        self.recorder.finish()
        self.worker.cancel()

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
        """A click on an object cycles its colour (right button: backwards); on a panel selects it."""
        for i, panel in enumerate(self.layout.panels):
            if not panel.rect.collidepoint(pos):
                continue
            cell = BoardRenderer.cell_at(panel.board.topleft, panel.tile, self.level.kind.shape, pos)
            if cell is not None and self.level.kind[cell] >= DOOR and button == 1 and self.steer.on:
                self.selected = i
                self.set_status(steer(self.steer, self.runs[i], self.level, cell))
            elif cell is not None and self.level.kind[cell] >= DOOR and button in (1, 3):
                self.recolour(cell, -1 if button == 3 else 1)
            else:
                self.selected = i
                self.set_status(
                    f"selected {self.runs[i].name}" + (" — E to explain it" if self.explain_mode == 0 else "")
                )
            return True
        return False

    def recolour(self, cell: tuple[int, int], delta: int = 1) -> None:
        before = self.level.describe_cell(*cell)
        self.session.cycle_colour(cell[0], cell[1], delta)
        self.set_status(
            f"{before} at row {cell[0] + 1}, col {cell[1] + 1} is now {COLOR_NAMES[self.level.color[cell]]}; "
            "the agents see it on their next step"
        )

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
        self._warm_up()  # a level changed since the last tick is first looked at off this thread
        self.session.hold_ticks = max(0, round(self.speed * self.hold_seconds))
        self.session.tick(ready=self.worker.ready)
        self._report_errors()

    def _warm_up(self) -> None:
        for run, error in self.worker.warm_up(self.runs, self.level):
            run.error = error
        self._report_errors()

    def _report_errors(self) -> None:
        for run in self.runs:
            if run.error is not None and id(run) not in self._reported_errors:
                self._reported_errors.add(id(run))
                self.set_status(f"{run.name} stopped: {run.error}", seconds=12)

    def thinking(self) -> list[str]:
        """Names of the agents still taking their first look at the level as it is now."""
        return [r.name for r in self.runs if not self.worker.ready(r)]

    def update(self, dt: float) -> None:
        self.clock += dt
        self.last_dt = dt
        self._warm_up()
        if not self.paused:
            self.accumulator += dt * self.speed
            n = int(self.accumulator + 1e-9)  # 60 frames of 1/60 s must add up to a whole second
            self.accumulator -= n
            if n > MAX_TICKS_PER_FRAME:
                n, self.accumulator = MAX_TICKS_PER_FRAME, 0.0
            for _ in range(n):
                self.tick()
        if self.recorder.result is not None:
            kind, message = self.recorder.result
            self.recorder.result = None
            self.set_status(f"GIF saved: {message}" if kind == "saved" else f"GIF not saved: {message}", seconds=10)
        if self.explain_mode:
            self.refresh_explanation()
            if not self.worker.explaining:
                expl = self.worker.explained.explanation if self.worker.explained else None
                available = views(expl, self.runs[self.selected].agent)
                if self.explain_mode not in available:  # the newly selected agent cannot show this view
                    self.explain_mode = available[0] if available else self.explain_mode
                if self.explain_announce:
                    self.explain_announce = False
                    run = self.runs[self.selected]
                    self.set_status(
                        explain_status(self, run, expl)
                        if expl is not None and available
                        else f"{run.name} has no explanation to show"
                    )
        return None

    def refresh_explanation(self, wait_s: float = 0.0) -> None:
        """Ask the selected agent to explain the level as it is now, on the worker thread; collect it."""
        if not self.runs:
            self.worker.forget_explanation()
            return
        self.selected = min(self.selected, len(self.runs) - 1)
        got = self.worker.refresh_explanation(self.runs[self.selected].agent, self.level, wait_s)
        if got is not None and got.error:
            self.set_status(f"{self.runs[self.selected].name} cannot explain: {got.error}")

    def explanation(self) -> Explanation | None:
        """The selected agent's latest explanation (None when off or none)."""
        if not self.explain_mode or not self.runs:
            return None
        return self.worker.explanation_for(self.runs[min(self.selected, len(self.runs) - 1)].agent, self.level)

    # -- capture (reads the finished frame) --------------------------------------------------
    def after_frame(self, surface: pygame.Surface) -> None:
        if self.screenshot_pending:
            self.screenshot_pending = False
            try:
                self.last_saved = save_screenshot(surface, self.output_dir("screenshots"))
                self.set_status(f"screenshot saved: {self.last_saved}", seconds=10)
            except (OSError, pygame.error) as exc:
                self.set_status(f"screenshot not saved: {exc}", seconds=10)
        if self.recorder.recording and self.recorder.capture(surface, self.last_dt or 1 / 60):
            path = self.recorder.stop()
            self.set_status(f"30 s recorded; writing {path} …")

    # -- drawing -----------------------------------------------------------------------------
    def view(self) -> PlayView:
        """The state as the drawing code may read it."""
        where = ""
        if self.level_index is not None and self.level_index < len(self.catalogue):
            where = "built-in" if self.catalogue[self.level_index].builtin else "your level"
        status = self.status if self.clock <= self._status_until or not self.status else ""
        if not status:
            status = (
                f"{self.level.name} — {plural(len(self.runs), 'agent')} — click an object to recolour — "
                "T: totals of all levels — F1 or ? for help"
            )
        explained = self.worker.explained
        return PlayView(
            level=self.level,
            runs=tuple(self.runs),
            palette=self.palette,
            shown=tuple(self.shown),
            overlay=self.overlay,
            selected=min(self.selected, max(0, len(self.runs) - 1)),
            explain_mode=self.explain_mode,
            explanation=self.explanation(),
            explain_version=explained.version if explained else 0,
            ready=self.worker.ready,
            hover=self.cell_under(self.mouse_pos) if self.menu is None and not self.help_open else None,
            all_levels=self.all_levels,
            where=where,
            original_description=self.level.same_as(self.pristine),
            status=status,
            speed_text=self.speed_text(),
            paused=self.paused,
            recording=self.recorder.elapsed() if self.recorder.recording else None,
            writing_gif=self.recorder.writing,
            **live_view(self),
        )

    def draw(self, surface: pygame.Surface) -> None:
        view = self.view()
        surface.fill(view.palette.background)
        layout: Layout = self.layout
        if layout.size != surface.get_size() or len(layout.panels) != len(self.runs):
            layout = compute_layout(surface.get_size(), len(self.runs), self.level.kind.shape, sidebar=self.overlay)
        for i, panel in enumerate(layout.panels[: len(view.runs)]):
            draw_agent_panel(surface, self.renderer, layout, i, panel, view)
        if layout.sidebar is not None:
            draw_sidebar(surface, layout.sidebar, layout.fs, view)
        draw_status(surface, layout, view)
        if self.help_open:
            draw_help(surface, view.palette, self.capture_folder)
        if self.menu is not None:
            self.menu.draw(surface, view.palette)


def _safe_list_levels() -> list[LevelEntry]:
    try:
        return list_levels()
    except Exception:  # an unreadable folder must not stop the view; the chooser will be empty
        return []
