"""The play view: agents acting live on one shared level, live recolouring, the O_base/O_alt overlay.

Each agent gets its own panel (its own World on the same Level object) so their paths can be told
apart at a glance; a click on an object in any panel recolours it for all of them. The sidebar is
the overlay: running totals per agent under the objectives shown, and the legend.
"""
from __future__ import annotations

import math
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pygame

from agents.base import REGISTRY, Agent, Explanation, make_agent
from game.core.constants import BLUE, COLOR_NAMES, DOOR, GREEN, GREY, KIND_NAMES, PURPLE, RED, YELLOW
from game.core.generators import DESCRIPTIONS, DISTRIBUTIONS, generate
from game.core.level import Level
from game.core.objectives import O_ALT, O_BASE, OBJECTIVES, Objective
from game.core.world import Outcome
from game.levels import DEFAULT_LEVEL, LevelEntry, list_levels
from game.paths import asset_path, user_dir
from game.render.board import BoardRenderer, draw_mark_swatch, heat_ramp
from game.render.capture import GifRecorder, save_screenshot
from game.render.palette import AGENT_ACCENTS, COLOR_MARKERS, COLORBLIND, NORMAL, Palette
from game.render.text import draw_text, line_height, text_width, wrap
from game.session import Session, objective_names
from game.core.interventions import move_red_and_door

from .base import Scene
from .keymap import BINDINGS, MOUSE_HELP, translate
from .menu import Menu, MenuItem
from .widgets import draw_key_help

DEFAULT_AGENTS = ("ppo", "imitation", "reflex", "mesa", "oracle")
LEARNED_KINDS = ("ppo", "imitation", "reflex", "mesa", "classifier")
SPEEDS = (0.5, 1, 2, 4, 8, 15, 30, 60, 120, 240)  # agent steps per second
DEFAULT_SPEED = 8
MAX_TICKS_PER_FRAME = 60  # a slow frame must not snowball into a burst of hundreds of steps
HOLD_SECONDS = 0.6  # how long a finished episode stays on screen before the next starts
EXPLAIN_MODES = ("off", "heat map", "arrows")
STATUS_SECONDS = 6.0
THINK_WAIT = 0.004  # seconds a frame waits for quick agents' first look at a changed level
EXPLAIN_WAIT = 0.25  # seconds the explain key waits before the view comes on later


# -- agents ---------------------------------------------------------------------------------------
def load_agent(kind: str) -> tuple[Agent | None, str | None]:
    """An agent for a spec ('ppo', 'oracle', 'mesa-diverse', ...), or None and why not.

    Never raises: a missing or broken checkpoint becomes a status line. The agent remembers its
    spec (`agent.spec`) so the agent chooser can tick it.
    """
    agent, why = _load(kind)
    if agent is not None:
        agent.spec = kind
        if agent.name == f"{kind}-train":  # the shipped default weights: the kind says enough
            agent.name = kind
    return agent, why


def _load(kind: str) -> tuple[Agent | None, str | None]:
    try:
        from agents.loading import load_agent as _load
    except Exception as exc:  # the loader is not built yet, or broken: the references still work
        _load, why = None, f"the agent loader is unavailable ({type(exc).__name__}: {exc})"
    if _load is not None:
        try:
            return _load(kind), None
        except Exception as exc:
            why = str(exc)
    if kind in REGISTRY and kind not in LEARNED_KINDS:
        try:
            return make_agent(kind), None
        except Exception as exc:
            why = str(exc)
    return None, why


def known_kinds() -> list[str]:
    """Agent specs the chooser offers: the kinds, then every other shipped checkpoint (e.g. mesa-diverse)."""
    kinds = list(DEFAULT_AGENTS) + ["random"]
    kinds += [k for k in sorted(REGISTRY) if k not in kinds]
    folder = asset_path("agents")
    if folder.is_dir():
        from agents.loading import shipped_path
        default_weights = {shipped_path(k).stem for k in LEARNED_KINDS}
        kinds += sorted(p.stem for p in folder.glob("*.npz") if p.stem not in default_weights and p.stem not in kinds)
    return kinds


def spec_of(agent: Agent) -> str:
    return getattr(agent, "spec", None) or agent.kind


def build_roster(kinds: list[str], loader: Callable[[str], tuple[Agent | None, str | None]] = load_agent
                 ) -> tuple[list[Agent], dict[str, str]]:
    """Agents for `kinds` and the failures {kind: why}; when a learned kind fails, random joins in."""
    agents, failed = [], {}
    for kind in kinds:
        agent, why = loader(kind)
        if agent is None:
            failed[kind] = why or "could not be loaded"
        else:
            agents.append(agent)
    if failed and not any(a.kind == "random" for a in agents):
        agent, _ = loader("random")
        if agent is not None:
            agents.append(agent)
    if not agents:
        agents = [make_agent("oracle")]
    _unique_names(agents)
    return agents, failed


def _unique_names(agents: list[Agent]) -> None:
    seen: dict[str, int] = {}
    for a in agents:
        n = seen.get(a.name, 0) + 1
        seen[a.name] = n
        if n > 1:
            a.name = f"{a.name} {n}"


def failure_message(failed: dict[str, str]) -> str:
    if not failed:
        return ""
    first = next(iter(failed.values()))
    first = first.splitlines()[0] if first else ""
    return f"not loaded: {', '.join(failed)} ({elide_plain(first, 110)})"


def elide_plain(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def describe_outcome(outcome: Outcome | None) -> str:
    if outcome is None:
        return "no episode yet"
    if outcome.reached is None:
        return f"timeout after {outcome.steps} steps"
    k, c, _ = outcome.reached
    return f"{COLOR_NAMES[c]} {KIND_NAMES[k]} in {outcome.steps} steps"


def short_label(objective: Objective) -> str:
    return {"o_base": "O_base", "o_alt": "O_alt"}.get(objective.name, objective.name.replace("_", " ")[:9])


# -- layout ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PanelLayout:
    rect: pygame.Rect  # the whole panel
    board: pygame.Rect  # where the level is drawn
    tile: int


@dataclass(frozen=True)
class Layout:
    size: tuple[int, int]
    fs: int  # font size
    lh: int  # line height
    panels: tuple[PanelLayout, ...]
    sidebar: pygame.Rect | None
    status: pygame.Rect
    header_totals: bool = False  # no room for the sidebar: each panel's header carries its totals


def compute_layout(size: tuple[int, int], n_panels: int, level_shape: tuple[int, int], sidebar: bool = True) -> Layout:
    """Panels in the grid (columns x rows) that gives the biggest tiles; a sidebar when there is room."""
    w, h = max(1, size[0]), max(1, size[1])
    fs = 15 if h >= 560 and w >= 900 else 13 if h >= 300 else 10
    lh = line_height(fs)
    status = pygame.Rect(0, max(0, h - lh - 8), w, lh + 8)
    side_w = 0
    if sidebar and w >= 720 and h >= 260:
        side_w = int(min(420, max(300, w * 0.28)))
    side = pygame.Rect(w - side_w, 0, side_w, status.top) if side_w else None
    pad, gap = 8, 10
    area = pygame.Rect(pad, pad, max(1, w - side_w - 2 * pad), max(1, status.top - 2 * pad))
    header_totals = sidebar and side is None
    header = (3 if header_totals else 2) * lh + 6
    n = max(1, n_panels)
    lh_rows, lw_cols = level_shape
    best = None
    for cols in range(1, n + 1):
        rows = math.ceil(n / cols)
        cw = (area.w - gap * (cols - 1)) / cols
        ch = (area.h - gap * (rows - 1)) / rows
        tile = int(min((cw - 8) / lw_cols, (ch - header - 8) / lh_rows))
        score = (tile, -rows)
        if best is None or score > best[0]:
            best = (score, cols, rows, cw, ch, tile)
    _, cols, rows, cw, ch, tile = best
    tile = max(0, min(tile, 64))
    panels = []
    board_w, board_h = tile * lw_cols, tile * lh_rows
    panel_w = int(min(cw, max(board_w + 8, 240 if cw >= 240 else cw)))
    panel_h = int(min(ch, board_h + header + 8))
    used_rows = math.ceil(n_panels / cols) if n_panels else 1
    top = area.top + max(0, (area.h - (used_rows * panel_h + (used_rows - 1) * gap)) // 2)
    for i in range(n_panels):
        r, c = divmod(i, cols)
        x = area.left + int(c * (cw + gap) + (cw - panel_w) / 2)
        y = top + r * (panel_h + gap)
        rect = pygame.Rect(x, y, max(1, panel_w), max(1, panel_h))
        board = pygame.Rect(rect.left + (rect.w - board_w) // 2, rect.top + header + 2, board_w, board_h)
        panels.append(PanelLayout(rect, board, tile))
    return Layout((w, h), fs, lh, tuple(panels), side, status, header_totals)


# -- the scene ------------------------------------------------------------------------------------
class PlayScene(Scene):
    """Watch agents act, recolour while they do, and read the score under O_base and O_alt."""

    def __init__(self, level: Level | None = None, agents: list[Agent] | None = None, *,
                 catalogue: list[LevelEntry] | None = None, status: str = "",
                 output_dir: Callable[[str], Path] = user_dir, agent_loader=load_agent):
        self.palette: Palette = NORMAL
        self.renderer = BoardRenderer()
        self.output_dir = output_dir
        self.agent_loader = agent_loader
        self.catalogue = catalogue if catalogue is not None else _safe_list_levels()
        self.level_index = self._index_of(level)
        self.agent_failures: dict[str, str] = {}
        if level is None:
            level = self._catalogue_level(self.level_index) if self.level_index is not None else generate("conflict", 0)
        if agents is None:
            agents, self.agent_failures = build_roster(list(DEFAULT_AGENTS), agent_loader)
        self.session = Session(level, agents)
        self.paused = False
        self.speed_index = SPEEDS.index(DEFAULT_SPEED)
        self.hold_seconds = HOLD_SECONDS
        self._accumulator = 0.0
        self.shown: list[Objective] = [O_BASE, O_ALT]
        self.overlay = True
        self.explain_mode = 0
        self.selected = 0
        self.help_open = False
        self.menu: Menu | None = None
        self.generator = "conflict"
        self.generator_seed = 0
        self.recorder = GifRecorder()
        self.screenshot_pending = False
        self.last_saved: Path | None = None
        self.size = (1280, 760)
        self.layout = compute_layout(self.size, len(self.session.runs), level.kind.shape)
        self._explained: tuple | None = None  # (key, Explanation | None, version)
        self._explain_job: tuple | None = None  # (key, Future) while the worker explains
        self._explain_announce = False
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="agents-think")
        self._thinking: dict[int, tuple[bytes, Future]] = {}  # id(run) -> (level key, its first look)
        self._explain_version = 0
        self._last_dt = 0.0
        self._clock = 0.0
        self._reported_errors: set[int] = set()
        self._capture_folder = ""
        self.mouse_pos: tuple[int, int] | None = None
        self.next_args: dict = {}
        self.status = ""
        self._status_until = 0.0
        note = failure_message(self.agent_failures)
        self.set_status(status or (f"{note} — F1 or ? for help" if note else
                                   f"{len(agents)} agents on '{level.name}'. Click an object to recolour it; F1 or ? for help."),
                        seconds=12)

    # -- helpers -----------------------------------------------------------------------------
    @property
    def level(self) -> Level:
        return self.session.level

    @property
    def speed(self) -> float:
        return SPEEDS[self.speed_index]

    @property
    def runs(self):
        return self.session.runs

    def set_status(self, text: str, seconds: float = STATUS_SECONDS) -> None:
        self.status = text
        self._status_until = self._clock + seconds

    def _index_of(self, level: Level | None) -> int | None:
        loadable = [i for i, e in enumerate(self.catalogue) if e.level is not None]
        if level is None:
            for i in loadable:
                if self.catalogue[i].name == DEFAULT_LEVEL:
                    return i
            return loadable[0] if loadable else None
        for i in loadable:
            if self.catalogue[i].level.same_as(level):
                return i
        return None

    def _catalogue_level(self, index: int) -> Level:
        # A copy: recolouring must not change the catalogue's pristine version of the level.
        return self.catalogue[index].level.copy()

    def resize(self, size: tuple[int, int]) -> None:
        self.size = (max(1, size[0]), max(1, size[1]))
        self._relayout()

    def _relayout(self) -> None:
        self.layout = compute_layout(self.size, len(self.runs), self.level.kind.shape, sidebar=self.overlay)
        if self.menu is not None:
            self.menu.layout(self.size)

    # -- input -------------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> bool:
        if event.type == pygame.QUIT:  # the window is closing: a GIF being made is written first
            self.recorder.finish()
            self._cancel_thinking()
            return False
        if self.menu is not None:
            consumed = self.menu.handle_event(event)
            if self.menu is not None and self.menu.closed:
                self.menu = None
            elif self.menu is not None:
                self.menu.layout(self.size)
            return consumed
        if event.type == pygame.KEYDOWN:
            command = translate(event)
            if self.help_open and command not in ("quit",):
                # The help is modal: any key closes it (the help key too), nothing else happens.
                self.help_open = False
                return True
            if command is None:
                return False
            self.run_command(command)
            return True
        if event.type == pygame.MOUSEMOTION:
            self.mouse_pos = event.pos
            return False
        if event.type == pygame.MOUSEBUTTONDOWN:
            self.mouse_pos = event.pos
            if self.help_open:
                self.help_open = False
                return True
            return self.click(event.pos, event.button)
        return False

    def click(self, pos: tuple[int, int], button: int = 1) -> bool:
        """A click on an object cycles its colour (right button: backwards); on a panel selects it."""
        for i, panel in enumerate(self.layout.panels):
            if not panel.rect.collidepoint(pos):
                continue
            cell = BoardRenderer.cell_at(panel.board.topleft, panel.tile, self.level.kind.shape, pos)
            if cell is not None and self.level.kind[cell] >= DOOR and button in (1, 3):
                self.recolour(cell, -1 if button == 3 else 1)
            else:
                self.selected = i
                self.set_status(f"selected {self.runs[i].name}" + (" — E to explain it" if self.explain_mode == 0 else ""))
            return True
        return False

    def recolour(self, cell: tuple[int, int], delta: int = 1) -> None:
        before = self.level.describe_cell(*cell)
        self.session.cycle_colour(cell[0], cell[1], delta)
        self.set_status(f"{before} at row {cell[0] + 1}, col {cell[1] + 1} is now {COLOR_NAMES[self.level.color[cell]]}; "
                        "the agents see it on their next step")

    def run_command(self, command: str) -> None:
        """Do what a key means (the keymap names the command; a test may call this directly)."""
        getattr(self, f"cmd_{command}")()

    # Commands, one per binding in keymap.BINDINGS -------------------------------------------
    def cmd_pause(self) -> None:
        self.paused = not self.paused
        self._accumulator = 0.0
        self.set_status("paused — . or → steps once, Space resumes" if self.paused else f"running at {self._speed_text()}")

    def cmd_step(self) -> None:
        self.paused = True
        self._tick()
        self.set_status(f"paused; stepped once (tick {self.session.ticks})")

    def cmd_faster(self) -> None:
        self.speed_index = min(len(SPEEDS) - 1, self.speed_index + 1)
        self.set_status(f"speed {self._speed_text()}")

    def cmd_slower(self) -> None:
        self.speed_index = max(0, self.speed_index - 1)
        self.set_status(f"speed {self._speed_text()}")

    def cmd_reset(self) -> None:
        self.session.reset_episodes()
        self.set_status("every agent starts a new episode; totals kept (Shift+R zeroes them)")

    def cmd_reset_totals(self) -> None:
        self.session.reset_episodes()
        self.session.reset_totals()
        self.set_status("new episodes, totals zeroed")

    def cmd_next_level(self) -> None:
        self._step_level(1)

    def cmd_prev_level(self) -> None:
        self._step_level(-1)

    def _step_level(self, delta: int) -> None:
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
        self.set_level(self._catalogue_level(index), f"level {entry.name}" + ("" if entry.builtin else " (yours)"))

    def set_level(self, level: Level, what: str = "") -> None:
        self.session.set_level(level)
        self._explained = None
        self._relayout()
        problems = [str(p) for p in level.problems()]
        self.set_status(f"{what or level.name}: {level.name}" + (f" — {problems[0]}" if problems else ""))

    def cmd_choose_level(self) -> None:
        self.catalogue = _safe_list_levels()
        items = []
        for i, e in enumerate(self.catalogue):
            where = "built-in" if e.builtin else "yours"
            if e.level is not None:
                label = f"{e.level.name}   [{e.name}, {where}, {e.level.height}×{e.level.width}]"
                items.append(MenuItem(label, i, e.level.description))
            else:
                items.append(MenuItem(f"{e.name}   [{where}, cannot be opened]", i, e.error or "", enabled=False))
        if not items:
            self.set_status("no level files found; G generates a level")
            return
        menu = Menu("Choose a level", items, self._level_chosen)
        if self.level_index is not None:
            menu.cursor = self.level_index
        self._open_menu(menu)

    def _level_chosen(self, index) -> None:
        if index is not None:
            self.open_level_index(index)

    def cmd_generate(self) -> None:
        items = [MenuItem(d, d, DESCRIPTIONS.get(d, "")) for d in DISTRIBUTIONS]
        menu = Menu("Generate a fresh level from a distribution", items, self._distribution_chosen)
        menu.cursor = DISTRIBUTIONS.index(self.generator) if self.generator in DISTRIBUTIONS else 0
        self._open_menu(menu)

    def _distribution_chosen(self, distribution) -> None:
        if distribution is not None:
            self.generator = distribution
            self.cmd_generate_again()

    def cmd_generate_again(self) -> None:
        self.generator_seed += 1
        try:
            level = generate(self.generator, self.generator_seed)
        except Exception as exc:
            self.set_status(f"could not generate {self.generator}: {exc}")
            return
        self.level_index = None
        self.set_level(level, f"generated {self.generator} seed {self.generator_seed} (Shift+G for another)")

    def cmd_swap_red_blue(self) -> None:
        n = self.session.swap_colours(RED, BLUE)
        self.set_status(f"swapped red and blue on {n} object{'s' if n != 1 else ''}" if n else "no red or blue objects to swap")

    def cmd_move_red_door(self) -> None:
        """The move intervention: the red non-door object nearest the selected agent and the door
        exchange cells (every agent sees it on its next step)."""
        run = self.runs[min(self.selected, len(self.runs) - 1)] if self.runs else None
        cell = run.world.agent if run is not None else self.level.start
        moved = move_red_and_door(self.level, cell)
        if moved is None:
            self.set_status("no door and red non-door object both reachable from the selected agent to exchange")
            return
        (dr, dc), (rr, rc) = moved
        self.set_status(f"the door (row {dr + 1}, col {dc + 1}) and the {self.level.describe_cell(dr, dc)} (row {rr + 1}, "
                        f"col {rc + 1}) exchanged cells; the agents see it on their next step")

    def cmd_recolour_doors(self) -> None:
        colour = self.session.recolour_doors()
        self.set_status("this level has no door" if colour is None else f"every door is now {COLOR_NAMES[colour]}")

    def _paint(self, colour: int) -> None:
        cell = self.cell_under(self.mouse_pos)
        if cell is None or self.level.kind[cell] < DOOR:
            self.set_status(f"point at an object, then press {colour + 1} to make it {COLOR_NAMES[colour]}")
            return
        before = self.level.describe_cell(*cell)
        self.session.set_colour(cell[0], cell[1], colour)
        self.set_status(f"{before} at row {cell[0] + 1}, col {cell[1] + 1} is now {COLOR_NAMES[colour]}")

    def cmd_paint_red(self) -> None:
        self._paint(RED)

    def cmd_paint_green(self) -> None:
        self._paint(GREEN)

    def cmd_paint_blue(self) -> None:
        self._paint(BLUE)

    def cmd_paint_purple(self) -> None:
        self._paint(PURPLE)

    def cmd_paint_yellow(self) -> None:
        self._paint(YELLOW)

    def cmd_paint_grey(self) -> None:
        self._paint(GREY)

    def cell_under(self, pos) -> tuple[int, int] | None:
        """The level cell under a window pixel, in whichever panel it falls; None elsewhere."""
        if pos is None:
            return None
        for panel in self.layout.panels:
            if panel.board.collidepoint(pos):
                return BoardRenderer.cell_at(panel.board.topleft, panel.tile, self.level.kind.shape, pos)
        return None

    def cmd_edit(self) -> None:
        try:
            import game.scenes.editor  # noqa: F401  (the editor may not be built in this checkout)
        except ImportError:
            self.set_status("the level editor is not available in this build")
            return
        self.next_scene = "edit"
        self.next_args = {"level": self.level.copy()}
        back = getattr(self, "parent_name", None) == "edit"
        self.set_status("back to the editor" if back else f"opening '{self.level.name}' in the editor")

    def resume(self, level: Level | None = None, status: str = "", **_) -> None:
        """Back from the editor: play the edited level (if it sent one)."""
        if level is not None:
            self.level_index = self._index_of(level)
            self.set_level(level, "edited")
        if status:
            self.set_status(status)

    def cmd_choose_agents(self) -> None:
        current = {spec_of(r.agent) for r in self.runs}
        items = []
        for kind in known_kinds():
            cls = REGISTRY.get(kind)
            doc = " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split()) if cls is not None else ""
            if cls is None and "-" in kind:
                doc = f"{kind.split('-', 1)[0]} trained on the '{kind.split('-', 1)[1]}' distribution"
            why = self.agent_failures.get(kind)
            items.append(MenuItem(kind, kind, f"not loaded: {why}" if why else doc, checked=kind in current))
        self._open_menu(Menu("Choose which agents act", items, self._agents_chosen, multi=True))

    def _agents_chosen(self, kinds) -> None:
        if not kinds:
            self.set_status("no agent chosen; keeping the ones acting")
            return
        keep = {spec_of(r.agent): r.agent for r in self.runs}
        agents, failed = [], {}
        for kind in kinds:
            if kind in keep:
                agents.append(keep.pop(kind))
                continue
            agent, why = self.agent_loader(kind)
            if agent is None:
                failed[kind] = why or "could not be loaded"
            else:
                agents.append(agent)
        if not agents:
            self.agent_failures.update(failed)
            self.set_status(failure_message(failed) + "; keeping the agents acting")
            return
        _unique_names(agents)
        self.agent_failures = {k: v for k, v in self.agent_failures.items() if k not in kinds} | failed
        self.session.set_agents(agents)
        self.selected = min(self.selected, len(agents) - 1)
        self._explained = None
        self._relayout()
        self.set_status(failure_message(failed) or f"acting: {', '.join(a.name for a in agents)}")

    def cmd_select_agent(self) -> None:
        if self.runs:
            self.selected = (self.selected + 1) % len(self.runs)
            self.set_status(f"selected {self.runs[self.selected].name}")

    def cmd_explain(self) -> None:
        """Cycle off → heat map → arrows → off, skipping views the selected agent cannot give."""
        if not self.runs:
            return
        self._refresh_explanation(wait=EXPLAIN_WAIT)
        run = self.runs[self.selected]
        if self._explain_job is not None:  # a slow network: the view comes on when it is ready
            self.explain_mode = max(1, self.explain_mode)
            self._explain_announce = True
            self.set_status(f"{run.name} is working out its explanation …")
            return
        expl = self._explained[1] if self._explained else None
        available = _views(expl)
        later = [m for m in available if m > self.explain_mode]
        self.explain_mode = later[0] if later else 0
        if not available:
            self.set_status(f"{run.name} has no explanation to show (E again tries after Tab selects another agent)")
        elif self.explain_mode == 0:
            self.set_status("explain off")
        else:
            self.set_status(f"explain {EXPLAIN_MODES[self.explain_mode]} for {run.name}: {_what(run.agent, expl)}")

    def cmd_choose_objectives(self) -> None:
        shown = {o.name for o in self.shown}
        items = [MenuItem(OBJECTIVES[n].label, n, f"'{n}'", checked=n in shown) for n in objective_names()]
        self._open_menu(Menu("Choose the objectives scored and marked", items, self._objectives_chosen, multi=True))

    def _objectives_chosen(self, names) -> None:
        self.shown = [OBJECTIVES[n] for n in objective_names() if n in set(names)]
        self.set_status("showing " + (", ".join(short_label(o) for o in self.shown) or "no objective marks"))

    def cmd_overlay(self) -> None:
        self.overlay = not self.overlay
        self._relayout()
        self.set_status("overlay on" if self.overlay else "overlay off (V brings it back)")

    def cmd_palette(self) -> None:
        self.palette = COLORBLIND if self.palette is NORMAL else NORMAL
        self.set_status("colour-blind-safe palette (Okabe–Ito)" if self.palette is COLORBLIND else "normal palette")

    def cmd_screenshot(self) -> None:
        self.screenshot_pending = True

    def cmd_record(self) -> None:
        if self.recorder.recording:
            path = self.recorder.stop()
            self.set_status(f"writing {path} …" if path else "recording stopped: no frames")
        elif self.recorder.writing:
            self.set_status("still writing the last GIF; try again in a moment")
        else:
            try:
                path = self.recorder.start(self.output_dir("recordings"))
            except OSError as exc:
                self.set_status(f"cannot record: {exc}")
                return
            self.set_status(f"recording a GIF (F9 or Shift+I stops; 30 s at most) → {path.parent}")

    def cmd_help(self) -> None:
        self.help_open = not self.help_open
        if self.help_open:
            try:
                self._capture_folder = str(self.output_dir("screenshots").parent)
            except OSError as exc:
                self._capture_folder = f"(no per-user folder: {exc})"

    def cmd_close(self) -> None:
        self.help_open = False

    def cmd_quit(self) -> None:
        self.recorder.finish()
        self._cancel_thinking()
        self.next_scene = "quit"

    def _open_menu(self, menu: Menu) -> None:
        self.help_open = False
        self.menu = menu
        menu.layout(self.size)

    def _speed_text(self) -> str:
        s = self.speed
        return f"{s:g} step{'s' if s != 1 else ''}/s"

    # -- time --------------------------------------------------------------------------------
    def _tick(self) -> None:
        self._warm_up()  # a level changed since the last tick is first looked at off this thread
        self.session.hold_ticks = max(0, round(self.speed * self.hold_seconds))
        self.session.tick(ready=self._ready)
        self._report_errors()

    # An agent's first look at a level can be slow (a learned network runs over every cell; a
    # recolour makes it a new level). That look happens on a worker thread, so the view never
    # freezes; the agent sits out the steps until it is ready.
    def _ready(self, run) -> bool:
        entry = self._thinking.get(id(run))
        return entry is None or entry[1].done()

    def _warm_up(self) -> None:
        key = self.level.kind.tobytes() + self.level.color.tobytes()
        live = {id(r) for r in self.runs}
        for stale in [k for k in self._thinking if k not in live]:
            del self._thinking[stale]
        pending = []
        for run in self.runs:
            entry = self._thinking.get(id(run))
            if run.error is None and (entry is None or entry[0] != key):
                if entry is not None:
                    entry[1].cancel()
                future = self._pool.submit(_think, run.agent, self.level.copy(), run.world.agent)
                self._thinking[id(run)] = (key, future)
                if not getattr(run.agent, "slow_first_look", False):
                    pending.append(future)
        if pending:
            # Quick agents (planners, reflex) are ready within this frame; a network's whole-level
            # pass is not waited for: its panel says it is looking, and the frame goes on.
            wait(pending, timeout=THINK_WAIT)
        for run in self.runs:
            entry = self._thinking.get(id(run))
            if run.error is None and entry is not None and entry[1].done() and not entry[1].cancelled():
                exc = entry[1].exception()
                if exc is not None:
                    run.error = f"{type(exc).__name__}: {exc}"
                    self._report_errors()

    def _cancel_thinking(self) -> None:
        """Drop queued work (the app is closing; the pool stays usable should this scene come back)."""
        for _, future in self._thinking.values():
            future.cancel()
        if self._explain_job is not None:
            self._explain_job[1].cancel()

    def _report_errors(self) -> None:
        for run in self.runs:
            if run.error is not None and id(run) not in self._reported_errors:
                self._reported_errors.add(id(run))
                self.set_status(f"{run.name} stopped: {run.error}", seconds=12)

    def thinking(self) -> list[str]:
        """Names of the agents still taking their first look at the level as it is now."""
        return [r.name for r in self.runs if not self._ready(r)]

    def update(self, dt: float) -> None:
        self._clock += dt
        self._last_dt = dt
        self._warm_up()
        if not self.paused:
            self._accumulator += dt * self.speed
            n = int(self._accumulator + 1e-9)  # 60 frames of 1/60 s must add up to a whole second
            self._accumulator -= n
            if n > MAX_TICKS_PER_FRAME:
                n, self._accumulator = MAX_TICKS_PER_FRAME, 0.0
            for _ in range(n):
                self._tick()
        if self.recorder.result is not None:
            kind, message = self.recorder.result
            self.recorder.result = None
            self.set_status(f"GIF saved: {message}" if kind == "saved" else f"GIF not saved: {message}", seconds=10)
        if self.explain_mode:
            self._refresh_explanation()
            if self._explain_job is None:
                expl = self._explained[1] if self._explained else None
                available = _views(expl)
                if self.explain_mode not in available:  # the newly selected agent cannot show this view
                    self.explain_mode = available[0] if available else self.explain_mode
                if self._explain_announce:
                    self._explain_announce = False
                    run = self.runs[self.selected]
                    self.set_status(f"explain {EXPLAIN_MODES[self.explain_mode]} for {run.name}: {_what(run.agent, expl)}"
                                    if expl is not None and available else f"{run.name} has no explanation to show")

    def _explain_key(self):
        agent = self.runs[self.selected].agent
        return (id(agent), self.level.kind.tobytes(), self.level.color.tobytes())

    def _refresh_explanation(self, wait: float = 0.0) -> None:
        """Ask the selected agent to explain the level as it is now, on the worker thread; collect it."""
        if not self.runs:
            self._explained = None
            return
        self.selected = min(self.selected, len(self.runs) - 1)
        key = self._explain_key()
        job = self._explain_job
        if job is not None and job[0] != key:
            job[1].cancel()
            job = self._explain_job = None
        if job is None:
            if self._explained is not None and self._explained[0] == key:
                return
            agent = self.runs[self.selected].agent
            job = self._explain_job = (key, self._pool.submit(agent.explain, self.level.copy()))
        if wait:
            _wait_one(job[1], wait)
        if not job[1].done():
            return
        self._explain_job = None
        try:
            expl = job[1].result()
        except Exception as exc:
            expl = None
            self.set_status(f"{self.runs[self.selected].name} cannot explain: {type(exc).__name__}: {exc}")
        self._explain_version += 1
        self._explained = (key, expl, self._explain_version)

    def explanation(self) -> Explanation | None:
        """The selected agent's latest explanation (None when off or none). While a new one is being
        worked out after a recolour, the last one for the same walls and agent stays up."""
        if not self.explain_mode or self._explained is None or not self.runs:
            return None
        key = self._explained[0]
        agent = self.runs[min(self.selected, len(self.runs) - 1)].agent
        if key[0] != id(agent) or key[1] != self.level.kind.tobytes():
            return None
        return self._explained[1]

    # -- capture (reads the finished frame) --------------------------------------------------
    def after_frame(self, surface: pygame.Surface) -> None:
        if self.screenshot_pending:
            self.screenshot_pending = False
            try:
                self.last_saved = save_screenshot(surface, self.output_dir("screenshots"))
                self.set_status(f"screenshot saved: {self.last_saved}", seconds=10)
            except (OSError, pygame.error) as exc:
                self.set_status(f"screenshot not saved: {exc}", seconds=10)
        if self.recorder.recording and self.recorder.capture(surface, self._last_dt or 1 / 60):
            path = self.recorder.stop()
            self.set_status(f"30 s recorded; writing {path} …")

    # -- drawing -----------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        pal = self.palette
        surface.fill(pal.background)
        size = surface.get_size()
        layout = self.layout
        if layout.size != size or len(layout.panels) != len(self.runs):
            layout = compute_layout(size, len(self.runs), self.level.kind.shape, sidebar=self.overlay)
        marks = self.shown if self.overlay else ()
        expl = self.explanation()
        for i, (run, panel) in enumerate(zip(self.runs, layout.panels)):
            self._draw_panel(surface, layout, i, run, panel, marks, expl if i == self.selected else None)
        if layout.sidebar is not None:
            self._draw_sidebar(surface, layout)
        self._draw_status(surface, layout)
        if self.help_open:
            self._draw_help(surface)
        if self.menu is not None:
            self.menu.draw(surface, pal)

    def _draw_panel(self, surface, layout: Layout, i: int, run, panel: PanelLayout, marks, expl) -> None:
        pal = self.palette
        accent = AGENT_ACCENTS[i % len(AGENT_ACCENTS)]
        rect = panel.rect
        pygame.draw.rect(surface, pal.panel, rect, border_radius=5)
        if i == self.selected:
            pygame.draw.rect(surface, accent, rect, 2, border_radius=5)
        else:
            pygame.draw.rect(surface, pal.panel_edge, rect, 1, border_radius=5)
        fs, lh = layout.fs, layout.lh
        clip = surface.get_clip()
        surface.set_clip(rect.clip(clip))
        x, y = rect.left + 8, rect.top + 3
        # Line 1: the agent's number, token and name; its current episode on the right.
        if lh >= 8:
            BoardRenderer.draw_token(surface, (x - (lh - 2) // 4, y + 1), lh - 2, (0, 0), 3, accent)
            name_rect = draw_text(surface, f"{i + 1}  {run.name}", (x + lh, y), fs, accent, bold=True,
                                  max_width=rect.w // 2)
            w = run.world
            if run.error:
                right, ink = "stopped (error)", pal.bad
            elif not self._ready(run):
                right, ink = "looking at the level …", pal.warn
            elif w.done and w.outcome is not None:
                right, ink = _verdict(w.outcome), pal.good if w.outcome.scores.get(O_BASE.name) else pal.bad
            else:
                right, ink = f"step {w.steps}/{w.level.effective_step_limit}", pal.text
            draw_text(surface, right, (rect.right - 8, y), fs, ink, anchor="topright",
                      max_width=max(0, rect.right - 8 - name_rect.right - 10))
            # Line 2: the last finished episode under O_base and O_alt.
            if self.overlay:
                last = run.tally.last
                y2 = y + lh
                x2 = draw_text(surface, "last: " + describe_outcome(last), (x, y2), fs - 1, pal.text_dim,
                               max_width=rect.w - 16).right + 10
                if last is not None:
                    # Satisfied in the objective's mark colour, unsatisfied dim: O_alt met is no success.
                    for obj in self.shown or (O_BASE, O_ALT):
                        ok = last.scores.get(obj.name, False)
                        label = f"{short_label(obj)} {'✓' if ok else '✗'}"
                        if x2 + text_width(label, fs - 1, True) > rect.right - 6:
                            break
                        ink = self._mark_rgb(obj) if ok else pal.text_dim
                        x2 = draw_text(surface, label, (x2, y2), fs - 1, ink, bold=ok).right + 10
                if layout.header_totals:
                    t = run.tally
                    totals = "  ".join([f"ep {t.episodes}"] + [f"{short_label(o)} {t.hit(o.name)}" for o in self.shown]
                                       + [f"neither {t.neither}", f"t/o {t.timeouts}"])
                    draw_text(surface, totals, (x, y2 + lh), fs - 1, pal.text, max_width=rect.w - 16)
        surface.set_clip(clip)
        if panel.tile <= 0:
            return
        self.renderer.draw_board(surface, panel.board.topleft, self.level, panel.tile, pal, marks)
        if expl is not None:
            mode = EXPLAIN_MODES[self.explain_mode]
            heat = expl.heat if mode == "heat map" else None
            arrows = expl.arrows if mode == "arrows" else None
            layer = self.renderer.explain_layer((self._explained[2], mode), heat, arrows, panel.tile, pal,
                                                objects=self.level.kind >= DOOR)
            if layer is not None:
                surface.blit(layer, panel.board.topleft)
        w = run.world
        self.renderer.draw_trail(surface, panel.board.topleft, panel.tile, w.trail, accent)
        ring = None
        if w.done and w.outcome is not None:
            ring = pal.good if w.outcome.scores.get(O_BASE.name) else pal.bad
        self.renderer.draw_token(surface, panel.board.topleft, panel.tile, w.agent, run.heading, accent, ring)
        hover = self.cell_under(self.mouse_pos) if self.menu is None and not self.help_open else None
        if hover is not None and self.level.kind[hover] >= DOOR and panel.tile >= 4:
            cell = pygame.Rect(panel.board.left + hover[1] * panel.tile, panel.board.top + hover[0] * panel.tile,
                               panel.tile, panel.tile)
            pygame.draw.rect(surface, pal.selected, cell.inflate(2, 2), 1)

    def _draw_sidebar(self, surface, layout: Layout) -> None:
        pal = self.palette
        side = layout.sidebar
        pygame.draw.rect(surface, pal.panel, side)
        pygame.draw.line(surface, pal.panel_edge, side.topleft, side.bottomleft)
        fs, lh = layout.fs, layout.lh
        x, y, width = side.left + 12, side.top + 8, side.w - 24
        bottom = side.bottom - 4
        lv = self.level
        where = ""
        if self.level_index is not None and self.level_index < len(self.catalogue):
            where = "built-in" if self.catalogue[self.level_index].builtin else "your level"
        draw_text(surface, lv.name, (x, y), fs + 3, pal.text, bold=True, max_width=width)
        y += line_height(fs + 3)
        meta = f"{lv.height}×{lv.width}, step limit {lv.effective_step_limit}" + (f", {where}" if where else "")
        draw_text(surface, meta, (x, y), fs - 2, pal.text_dim, max_width=width)
        y += line_height(fs - 2)
        for line in wrap(lv.description, fs - 2, width)[:5] if lv.description else []:
            draw_text(surface, line, (x, y), fs - 2, pal.text_dim, max_width=width)
            y += line_height(fs - 2)
        for problem in lv.problems()[:2]:
            draw_text(surface, str(problem), (x, y), fs - 2, pal.warn, max_width=width)
            y += line_height(fs - 2)
        y += 6
        y = self._draw_scoreboard(surface, x, y, width, fs, lh)
        y += 8
        if y + lh < bottom:
            y = self._draw_legend(surface, x, y, width, fs, bottom)
        if y + lh < bottom:
            draw_text(surface, "F1 or ?: every key", (x, bottom - lh), fs - 2, pal.text_dim, max_width=width)

    def _mark_rgb(self, objective: Objective):
        """The colour an objective is marked with (its place among those shown), grey if not shown."""
        for i, o in enumerate(self.shown):
            if o.name == objective.name:
                return self.palette.marks[i % len(self.palette.marks)]
        return self.palette.text

    def score_columns(self) -> list[str]:
        """The overlay's column titles: episodes, one per objective shown, neither, timeouts."""
        return ["ep"] + [short_label(o) for o in self.shown] + ["neither", "t/o"]

    def score_rows(self) -> list[tuple[str, list[int]]]:
        """What the overlay's table shows, one row per agent (the drawing reads exactly this)."""
        rows = []
        for i, run in enumerate(self.runs):
            t = run.tally
            rows.append((f"{i + 1} {run.name}", [t.episodes] + [t.hit(o.name) for o in self.shown] + [t.neither, t.timeouts]))
        return rows

    def _draw_scoreboard(self, surface, x: int, y: int, width: int, fs: int, lh: int) -> int:
        pal = self.palette
        cols = self.score_columns()
        draw_text(surface, "Running totals", (x, y), fs, pal.text, bold=True)
        y += lh + 2
        # The biggest font at which every column header fits beside a readable agent name.
        for sfs in range(fs - 1, 7, -1):
            col_ws = [max(text_width(c, sfs, True), text_width("100%", sfs)) + 10 for c in cols]
            name_w = width - sum(col_ws)
            if name_w >= text_width("9 imitation-k48", sfs, True) or sfs == 8:
                break
        slh = line_height(sfs)
        rights, cx = [], x + max(0, name_w)
        for cw in col_ws:
            cx += cw
            rights.append(cx)
        for j, label in enumerate(cols):
            ink = pal.text_dim
            if 1 <= j <= len(self.shown):
                ink = pal.marks[(j - 1) % len(pal.marks)]
            draw_text(surface, label, (rights[j], y), sfs, ink, anchor="topright", bold=True)
        y += slh + 2
        pygame.draw.line(surface, pal.panel_edge, (x, y - 1), (x + width, y - 1))
        for i, (name, values) in enumerate(self.score_rows()):
            accent = AGENT_ACCENTS[i % len(AGENT_ACCENTS)]
            if i == self.selected:
                pygame.draw.rect(surface, (44, 48, 60), (x - 4, y, width + 8, 2 * slh + 2))
            draw_text(surface, name, (x, y), sfs, accent, bold=True, max_width=max(0, name_w - 4))
            episodes = values[0]
            for j, v in enumerate(values):
                draw_text(surface, str(v), (rights[j], y), sfs, pal.text, anchor="topright")
                if j > 0 and episodes:
                    draw_text(surface, f"{100 * v / episodes:.0f}%", (rights[j], y + slh), sfs - 2,
                              pal.text_dim, anchor="topright")
            y += 2 * slh + 2
        return y

    def _draw_legend(self, surface, x: int, y: int, width: int, fs: int, bottom: int) -> int:
        pal = self.palette
        sfs = fs - 2
        slh = line_height(sfs)
        sw = max(12, slh)
        if self.shown:
            draw_text(surface, "Marked on the map", (x, y), fs, pal.text, bold=True)
            y += line_height(fs) + 2
            for i, obj in enumerate(self.shown):
                if y + sw > bottom:
                    return y
                draw_mark_swatch(surface, pygame.Rect(x, y, sw, sw), i, pal)
                draw_text(surface, obj.label, (x + sw + 8, y + (sw - slh) // 2), sfs, pal.text, max_width=width - sw - 8)
                y += sw + 3
            y += 6
        if y + 2 * slh > bottom:
            return y
        draw_text(surface, "Colours (letter on every object)", (x, y), fs, pal.text, bold=True)
        y += line_height(fs) + 2
        cx = x
        for c, name in enumerate(COLOR_NAMES):
            label = f"{COLOR_MARKERS[c]} {name}"
            wlabel = sw + 4 + text_width(label, sfs) + 12
            if cx + wlabel > x + width:
                cx, y = x, y + sw + 3
            pygame.draw.rect(surface, pal.object_rgb(c), (cx, y, sw, sw), border_radius=3)
            draw_text(surface, label, (cx + sw + 4, y + (sw - slh) // 2), sfs, pal.text)
            cx += wlabel
        y += sw + 9
        if y + 3 * slh < bottom:
            draw_text(surface, "Agents", (x, y), fs, pal.text, bold=True)
            y += line_height(fs) + 2
            for line in wrap("▲ points where the agent last moved; the line is its path this episode; "
                             "a ring when the episode ends: green = O_base met, red = not.", sfs, width):
                if y + slh > bottom - slh:
                    break
                draw_text(surface, line, (x, y), sfs, pal.text_dim)
                y += slh
            y += 8
        expl = self.explanation()
        if expl is not None and y + 3 * slh < bottom:
            run = self.runs[self.selected]
            draw_text(surface, f"Explain ({EXPLAIN_MODES[self.explain_mode]}): {run.name}", (x, y), fs, pal.text, bold=True,
                      max_width=width)
            y += line_height(fs)
            for line in wrap(_what(run.agent, expl), sfs, width)[:2]:
                draw_text(surface, line, (x, y), sfs, pal.text_dim)
                y += slh
            if EXPLAIN_MODES[self.explain_mode] == "heat map" and expl.heat is not None:
                bar = pygame.Rect(x + 40, y + 3, max(1, width - 80), max(6, slh - 6))
                surface.blit(heat_ramp(bar.w, bar.h, pal), bar)
                draw_text(surface, "low", (x, y), sfs, pal.text_dim)
                draw_text(surface, "high", (x + width, y), sfs, pal.text_dim, anchor="topright")
                y += slh + 4
        return y

    def _draw_status(self, surface, layout: Layout) -> None:
        pal = self.palette
        bar = layout.status
        pygame.draw.rect(surface, (12, 13, 17), bar)
        fs = layout.fs
        y = bar.top + 4
        right_parts = []
        if self.recorder.recording:
            right_parts.append((f"● REC {self.recorder.elapsed():.1f}s", pal.bad))
        elif self.recorder.writing:
            right_parts.append(("writing GIF…", pal.warn))
        right_parts.append(("paused" if self.paused else f"▶ {self._speed_text()}", pal.warn if self.paused else pal.good))
        rx = bar.right - 10
        for text, ink in reversed(right_parts):
            rx = draw_text(surface, text, (rx, y), fs, ink, anchor="topright", bold=True).left - 14
        message = self.status if self._clock <= self._status_until or not self.status else ""
        if not message:
            message = f"{self.level.name} — {len(self.runs)} agents — click an object to recolour — F1 or ? for help"
        draw_text(surface, message, (bar.left + 10, y), fs, pal.text, max_width=max(0, rx - bar.left - 16))

    def _draw_help(self, surface) -> None:
        notes = ["Totals: 'neither' = reached an object that satisfies neither O_base nor O_alt; "
                 "'t/o' = reached nothing before the step limit.",
                 f"Screenshots and GIFs go to {self._capture_folder}"]
        draw_key_help(surface, self.palette, "Red Door — play view keys", BINDINGS, MOUSE_HELP, notes)


def _think(agent: Agent, level: Level, cell: tuple[int, int]) -> None:
    """An agent's first look at a level (its per-level work is cached for the steps that follow)."""
    agent.act(level, cell)


def _wait_one(future: Future, timeout: float) -> None:
    wait([future], timeout=timeout)


def _what(agent: Agent, expl: Explanation) -> str:
    """The explanation's label without a leading '<kind>: ' (the agent's name is shown beside it)."""
    prefix = f"{agent.kind}: "
    return expl.label[len(prefix):] if expl.label.startswith(prefix) else expl.label


def _views(expl: Explanation | None) -> list[int]:
    """The explain modes (indices into EXPLAIN_MODES) an explanation can show."""
    if expl is None:
        return []
    return [m for m, part in ((1, expl.heat), (2, expl.arrows)) if part is not None]


def _verdict(outcome: Outcome) -> str:
    if outcome.reached is None:
        return "timeout"
    k, c, _ = outcome.reached
    return f"reached {COLOR_NAMES[c]} {KIND_NAMES[k]}"


def _safe_list_levels() -> list[LevelEntry]:
    try:
        return list_levels()
    except Exception:  # an unreadable folder must not stop the view; the chooser will be empty
        return []
