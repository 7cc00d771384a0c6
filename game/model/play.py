"""The play view's model: the level, the agents acting on it, the totals, what is shown and what
the keys do to them, in one object and without pygame.

`PlayModel` owns the session (game/model/session.py), the roster, the worker thread pool, the
steer tool and the probe view. The play scene (game/scenes/play/) reads it to draw and calls its
methods for input; the smoke test, the benchmarks and the tests drive it the same way, headless.
Each action returns nothing and says what it did in `status` (one line the view shows for a while).
"""

from __future__ import annotations

import re
from concurrent.futures import Future

from reddoor.agents import kinds as agent_kinds
from reddoor.agents.base import Agent, Explanation
from reddoor.game.core.constants import BLUE, COLOR_NAMES, DOOR, RED
from reddoor.game.core.describe import plural
from reddoor.game.core.generators import EVAL_SEED_BASE, generate, seed_range
from reddoor.game.core.interventions import SWAP, Intervention
from reddoor.game.core.level import Level
from reddoor.game.core.objectives import O_ALT, O_BASE, OBJECTIVES, Objective
from reddoor.game.levels import DEFAULT_LEVEL, LevelEntry, list_levels

from . import steering
from .roster import PendingAgent, build_roster, failure_message, load_agent, spec_of, unique_names
from .session import AgentRun, Session, Tally, objective_names
from .steering import EXPLAIN_MODES, PROBE_MODE, ProbeView, SteerTool, explanation_text, views
from .worker import AgentWorker

SPEEDS = (0.5, 1, 2, 4, 8, 15, 30, 60, 120, 240)  # agent steps per second
DEFAULT_SPEED = 8
MAX_TICKS_PER_FRAME = 60  # a slow frame must not snowball into a burst of hundreds of steps
HOLD_SECONDS = 0.6  # how long a finished episode stays on screen before the next starts
STATUS_SECONDS = 6.0
EXPLAIN_WAIT = 0.25  # seconds the explain key waits before the view comes on later


def short_label(obj: Objective) -> str:
    """'O_base' / 'O_alt' for the paper's two, else the objective's name (at most 9 characters)."""
    return {O_BASE.name: "O_base", O_ALT.name: "O_alt"}.get(obj.name, obj.name.replace("_", " ")[:9])


def safe_list_levels() -> list[LevelEntry]:
    try:
        return list_levels()
    except Exception:  # an unreadable folder must not stop the view; the chooser will be empty
        return []


class PlayModel:
    """Agents acting live on one shared level; the keys' actions; the line the view says."""

    def __init__(
        self,
        level: Level | None = None,
        agents: list[Agent] | None = None,
        *,
        catalogue: list[LevelEntry] | None = None,
        status: str = "",
        agent_loader=load_agent,
        defer_agents: bool = False,
        specs: list[str] | None = None,
    ):
        """`agents` None: the line-up `specs` (default: the play view's), loaded now, or with
        `defer_agents` on the worker pool after the first frame (`start_loading`): stand-ins hold
        their panels till then."""
        self.worker = AgentWorker()
        self.agent_loader = agent_loader
        self.catalogue = catalogue if catalogue is not None else safe_list_levels()
        self.level_index = self._index_of(level)
        self.agent_failures: dict[str, str] = {}
        self._loading: Future | None = None
        if level is None:
            level = (
                self.catalogue[self.level_index].level.copy()
                if self.level_index is not None
                else generate("conflict", 0)
            )
        lineup = list(specs) if specs else list(agent_kinds.PLAY_VIEW_DEFAULTS)
        if agents is None and defer_agents:
            agents = [PendingAgent(s) for s in lineup]
        elif agents is None:
            agents, self.agent_failures = build_roster(lineup, agent_loader)
        self.session = Session(level, agents)
        self.pristine = level.copy()  # the level as opened: its author's description holds while equal
        self.paused = False
        self.speed_index = SPEEDS.index(DEFAULT_SPEED)
        self.hold_seconds = HOLD_SECONDS
        self.accumulator = 0.0
        self.shown: list[Objective] = [O_BASE, O_ALT]
        self.all_levels = False  # the sidebar's totals: this level as it is now, or every episode
        self.explain_mode = 0
        self.explain_announce = False
        self.steer, self.probe = SteerTool(), ProbeView()  # the steer tool and the probe view (steering.py)
        self.selected = 0
        self.generator, self.generator_seed = "conflict", EVAL_SEED_BASE - 1  # G: unseen levels first
        self.clock = 0.0
        self.status, self._status_until = "", 0.0
        self._reported_errors: set[int] = set()
        if status:
            self.set_status(status, seconds=12)
        elif self.pending:
            self.set_status(f"loading {plural(len(agents), 'agent')} for '{level.name}' …", seconds=12)
        else:
            self._say_roster()

    def _say_roster(self) -> None:
        """The opening line: which agents did not load, or how many act and what a click does."""
        note = failure_message(self.agent_failures)
        self.set_status(
            f"{note} — F1 or ? for help"
            if note
            else f"{plural(len(self.runs), 'agent')} on '{self.level.name}'. Click an object to recolour it; "
            "F1 or ? for help.",
            seconds=12,
        )

    # -- state -------------------------------------------------------------------------------
    @property
    def level(self) -> Level:
        return self.session.level

    @property
    def runs(self) -> list[AgentRun]:
        return self.session.runs

    @property
    def speed(self) -> float:
        return SPEEDS[self.speed_index]

    def speed_text(self) -> str:
        return f"{self.speed:g} step{'s' if self.speed != 1 else ''}/s"

    def selected_run(self) -> AgentRun | None:
        return self.runs[min(self.selected, len(self.runs) - 1)] if self.runs else None

    def set_status(self, text: str, seconds: float = STATUS_SECONDS) -> None:
        self.status = text
        self._status_until = self.clock + seconds

    def status_now(self) -> str:
        """The status line while it lasts, else ''."""
        return self.status if self.clock <= self._status_until else ""

    def ready(self, run: AgentRun) -> bool:
        """Whether an agent takes its steps now (not while its first look runs, nor while it loads)."""
        return not isinstance(run.agent, PendingAgent) and self.worker.ready(run)

    def thinking(self) -> list[str]:
        """Names of the agents still taking their first look at the level as it is now (or loading)."""
        return [r.name for r in self.runs if not self.ready(r)]

    def where(self) -> str:
        if self.level_index is not None and self.level_index < len(self.catalogue):
            return "built-in" if self.catalogue[self.level_index].builtin else "your level"
        return ""

    # -- the roster, loaded after the first frame -----------------------------------------------
    @property
    def pending(self) -> bool:
        """Whether stand-ins still hold panels for agents that load after the first frame."""
        return any(isinstance(r.agent, PendingAgent) for r in self.runs)

    def start_loading(self) -> None:
        """Load the stand-ins' agents on the worker pool (the app calls this once a frame is shown)."""
        if self.pending and self._loading is None:
            specs = [r.agent.spec for r in self.runs]
            self._loading = self.worker.submit(build_roster, specs, self.agent_loader)

    def _collect_loading(self) -> None:
        if self._loading is None or not self._loading.done():
            return
        future, self._loading = self._loading, None
        try:
            agents, failed = future.result()
        except Exception as exc:  # the roster falls back to oracle; never take the view down
            agents, failed = build_roster(["oracle"], self.agent_loader)[0], {"agents": str(exc)}
        self.agent_failures = failed
        self.session.set_agents(agents)  # new runs: the stand-ins' go with them
        self._say_roster()

    # -- levels ------------------------------------------------------------------------------
    def _index_of(self, level: Level | None) -> int | None:
        loadable = [i for i, e in enumerate(self.catalogue) if e.level is not None]
        if level is None:
            named = [i for i in loadable if self.catalogue[i].name == DEFAULT_LEVEL]
            return (named or loadable or [None])[0]
        return next((i for i in loadable if self.catalogue[i].level.same_as(level)), None)

    def refresh_catalogue(self) -> None:
        self.catalogue = safe_list_levels()

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
        problems = [str(p) for p in level.problems()]
        self.set_status(f"{what or level.name}: {level.name}" + (f" — {problems[0]}" if problems else ""))

    def edited_level(self, level: Level) -> None:
        """The level back from the editor."""
        self.level_index = self._index_of(level)
        self.set_level(level, "edited")

    def generate_again(self, distribution: str | None = None) -> None:
        """A fresh level of `distribution` (default: the last one), at the next seed."""
        if distribution is not None:
            self.generator = distribution
        self.generator_seed += 1
        try:
            level = generate(self.generator, self.generator_seed)
        except Exception as exc:
            self.set_status(f"could not generate {self.generator}: {exc}")
            return
        self.level_index = None
        self.set_level(
            level,
            f"generated {self.generator} seed {self.generator_seed} ({seed_range(self.generator_seed)}; Shift+G for another)",
        )

    # -- time --------------------------------------------------------------------------------
    def toggle_pause(self) -> None:
        self.paused = not self.paused
        self.accumulator = 0.0
        self.set_status(
            "paused — . or → steps once, Space resumes" if self.paused else f"running at {self.speed_text()}"
        )

    def step_once(self) -> None:
        self.paused = True
        self.tick()
        self.set_status(f"paused; stepped once (tick {self.session.ticks})")

    def change_speed(self, delta: int) -> None:
        self.speed_index = max(0, min(len(SPEEDS) - 1, self.speed_index + delta))
        self.set_status(f"speed {self.speed_text()}")

    def reset_episodes(self, totals: bool = False) -> None:
        self.session.reset_episodes()
        if totals:
            self.session.reset_totals()
            self.set_status("new episodes, totals zeroed (this level and all levels)")
        else:
            self.set_status("every agent starts a new episode; totals kept (Shift+R zeroes them)")

    def toggle_totals_scope(self) -> None:
        self.all_levels = not self.all_levels
        self.set_status(
            "totals: every episode on every level since the view opened"
            if self.all_levels
            else "totals: this level as it is now (a recolour or another level starts them afresh)"
        )

    def tick(self) -> None:
        self.warm_up()  # a level changed since the last tick is first looked at off this thread
        self.session.hold_ticks = max(0, round(self.speed * self.hold_seconds))
        self.session.tick(ready=self.ready)
        self._report_errors()

    def warm_up(self) -> None:
        self._collect_loading()
        runs = [r for r in self.runs if not isinstance(r.agent, PendingAgent)]
        for run, error in self.worker.warm_up(runs, self.level):
            run.error = error
        self._report_errors()

    def _report_errors(self) -> None:
        for run in self.runs:
            if run.error is not None and id(run) not in self._reported_errors:
                self._reported_errors.add(id(run))
                self.set_status(f"{run.name} stopped: {run.error}", seconds=12)

    def update(self, dt: float) -> None:
        """`dt` seconds pass: the agents take the steps the speed gives them (unless paused)."""
        self.clock += dt
        self.warm_up()
        if not self.paused:
            self.accumulator += dt * self.speed
            n = int(self.accumulator + 1e-9)  # 60 frames of 1/60 s must add up to a whole second
            self.accumulator -= n
            if n > MAX_TICKS_PER_FRAME:
                n, self.accumulator = MAX_TICKS_PER_FRAME, 0.0
            for _ in range(n):
                self.tick()
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
                        self.explain_status(run, expl)
                        if expl is not None and available
                        else f"{run.name} has no explanation to show"
                    )

    def stop_work(self) -> None:
        """The agents' queued work is dropped (the view closes or is covered)."""
        self.worker.cancel()

    # -- recolouring and the interventions -------------------------------------------------------
    def recolour(self, cell: tuple[int, int], delta: int = 1) -> None:
        before = self.level.describe_cell(*cell)
        self.session.cycle_colour(cell[0], cell[1], delta)
        self.set_status(
            f"{before} at row {cell[0] + 1}, col {cell[1] + 1} is now {COLOR_NAMES[self.level.color[cell]]}; "
            "the agents see it on their next step"
        )

    def paint(self, cell: tuple[int, int] | None, colour: int) -> None:
        if cell is None or self.level.kind[cell] < DOOR:
            self.set_status(f"point at an object, then press {colour + 1} to make it {COLOR_NAMES[colour]}")
            return
        before = self.level.describe_cell(*cell)
        self.session.set_colour(cell[0], cell[1], colour)
        self.set_status(f"{before} at row {cell[0] + 1}, col {cell[1] + 1} is now {COLOR_NAMES[colour]}")

    def intervene(self, kind: str) -> None:
        """The lab's swap@K and move@K, now, on the level every agent is on (they see it on their
        next step): red and blue exchanged on every object, or the red non-door object nearest the
        selected agent and the door exchange cells (game/core/interventions.py)."""
        run = self.selected_run()
        cell = run.world.agent if run is not None else self.level.start
        objects = self.level.kind >= DOOR
        swapped = int((objects & ((self.level.color == RED) | (self.level.color == BLUE))).sum())
        if kind == SWAP and not swapped:
            self.set_status("no red or blue objects to swap")
            return
        changed = Intervention(kind, 0).apply(self.level, cell, in_place=True)
        if changed is None:
            self.set_status("no door and red non-door object both reachable from the selected agent to exchange")
            return
        self.session.level_changed()
        if kind == SWAP:
            self.set_status(f"swapped red and blue on {plural(swapped, 'object')}")
            return
        (dr, dc), (rr, rc) = changed[1]
        self.set_status(
            f"the door (row {dr + 1}, col {dc + 1}) and the {self.level.describe_cell(dr, dc)} (row {rr + 1}, "
            f"col {rc + 1}) exchanged cells; the agents see it on their next step"
        )

    def recolour_doors(self) -> None:
        colour = self.session.recolour_doors()
        self.set_status("this level has no door" if colour is None else f"every door is now {COLOR_NAMES[colour]}")

    def click_cell(self, panel: int, cell: tuple[int, int] | None, button: int = 1) -> None:
        """A click in agent `panel`'s board: on an object, steer there (the steer tool on) or cycle
        its colour (right button: backwards); elsewhere select that agent."""
        if cell is not None and self.level.kind[cell] >= DOOR and button == 1 and self.steer.on:
            self.selected = panel
            self.set_status(steering.steer(self.steer, self.runs[panel], self.level, cell))
        elif cell is not None and self.level.kind[cell] >= DOOR and button in (1, 3):
            self.recolour(cell, -1 if button == 3 else 1)
        else:
            self.selected = panel
            self.set_status(
                f"selected {self.runs[panel].name}" + (" — E to explain it" if self.explain_mode == 0 else "")
            )

    # -- agents and what is shown ---------------------------------------------------------------
    def choose_agents(self, specs) -> None:
        if not specs:
            self.set_status("no agent chosen; keeping the ones acting")
            return
        keep = {spec_of(r.agent): r.agent for r in self.runs}
        agents, failed = [], {}
        for spec in specs:
            if spec in keep:
                agents.append(keep.pop(spec))
                continue
            agent, why = self.agent_loader(spec)
            if agent is None:
                failed[spec] = why or "could not be loaded"
            else:
                agents.append(agent)
        if not agents:
            self.agent_failures.update(failed)
            self.set_status(failure_message(failed) + "; keeping the agents acting")
            return
        unique_names(agents)
        self.agent_failures = {k: v for k, v in self.agent_failures.items() if k not in specs} | failed
        self.session.set_agents(agents)
        self.selected = min(self.selected, len(agents) - 1)
        self.worker.forget_explanation()
        self.set_status(failure_message(failed) or f"acting: {', '.join(a.name for a in agents)}")

    def select_next(self) -> None:
        if self.runs:
            self.selected = (self.selected + 1) % len(self.runs)
            self.set_status(f"selected {self.runs[self.selected].name}")

    def choose_objectives(self, names) -> None:
        self.shown = [OBJECTIVES[n] for n in objective_names() if n in set(names)]
        self.set_status("showing " + (", ".join(short_label(o) for o in self.shown) or "no objective marks"))

    # -- explanations ------------------------------------------------------------------------------
    def explain_next(self) -> None:
        """Cycle off → heat map → arrows → probe → off, skipping views the selected agent cannot give."""
        if not self.runs:
            return
        self.refresh_explanation(wait_s=EXPLAIN_WAIT)
        run = self.runs[self.selected]
        if self.worker.explaining:  # a slow network: the view comes on when it is ready
            self.explain_mode = max(1, self.explain_mode)
            self.explain_announce = True
            self.set_status(f"{run.name} is working out its explanation …")
            return
        expl = self.worker.explained.explanation if self.worker.explained else None
        available = views(expl, run.agent)
        later = [m for m in available if m > self.explain_mode]
        self.explain_mode = later[0] if later else 0
        if not available:
            self.set_status(f"{run.name} has no explanation to show (E again tries after Tab selects another agent)")
        elif self.explain_mode == 0:
            self.set_status("explain off")
        else:
            self.set_status(self.explain_status(run, expl))

    def explain_status(self, run: AgentRun, expl) -> str:
        """The status line for the explain view now on: its label, or the probe view's field, round and R²."""
        if self.explain_mode == PROBE_MODE:
            return (
                f"explain probe for {run.name}: "
                + self.probe.frame(run.agent, self.level).caption()
                + " — F: door / red field, [ ]: rounds"
            )
        return f"explain {EXPLAIN_MODES[self.explain_mode]} for {run.name}: {explanation_text(run.agent, expl)}"

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

    # -- inside the agents: the steer tool and the probe view -----------------------------------
    def toggle_steer(self) -> None:
        self.steer.on = not self.steer.on
        run = self.selected_run()
        if not self.steer.on:
            self.set_status("steer tool off: a click recolours again")
        elif run is not None and not steering.steerable(run.agent):
            self.set_status(
                f"steer tool on, but {run.name} cannot be steered: click in a network's (ppo, imitation) or mesa's panel"
            )
        else:
            self.set_status(
                "steer tool on: click an object to send that panel's agent there (it starts a new episode); S turns it off"
            )

    def clear_steering(self) -> None:
        run = self.selected_run()
        self.set_status(steering.clear(run) if run is not None else "no agent to clear")

    def adjust_steering(self, up: bool, hover: tuple[int, int] | None) -> None:
        run = self.selected_run()
        if run is not None:
            self.set_status(steering.adjust(self.steer, run, self.level, up, hover))

    def toggle_probe_field(self) -> None:
        self.set_status(
            self.probe.toggle_field() + ("" if self.explain_mode == PROBE_MODE else " — E until 'probe' shows it")
        )

    def step_probe_round(self, delta: int) -> None:
        run = self.selected_run()
        if run is not None:
            self.set_status(self.probe.step(run.agent, delta))

    def change_rounds(self, delta: int) -> None:
        """The selected network thinks for the next (delta 1) or previous (-1) rounds on the thinking-time
        ladder of its trained K (K/2, K, 3K/2, 2K, 3K, 4K; at most 192); its episode starts again and its
        totals afresh, so they describe the rounds it runs now. Its name says them: imitation-k48@96."""
        run = self.selected_run()
        if run is None:
            self.set_status("no agent selected")
            return
        agent, ladder = run.agent, run.agent.rounds_ladder()
        if not ladder:
            self.set_status(f"{run.name} has no thinking rounds to change (only the networks: ppo, imitation)")
            return
        now, trained = agent.rounds, agent.trained_rounds
        later = [k for k in ladder if (k > now if delta > 0 else k < now)]
        if not later:
            self.set_status(
                f"{run.name} already thinks for {'the most' if delta > 0 else 'the fewest'} rounds the thinking-time "
                f"study tests ({now}; trained with {trained}); " + ("Shift+K for fewer" if delta > 0 else "K for more")
            )
            return
        k = later[0] if delta > 0 else later[-1]
        agent.set_rounds(k)
        agent.name = re.sub(r"@\d+$", "", agent.name) + ("" if k == trained else f"@{k}")
        run.tally, run.all_tally = Tally(), Tally()
        run.new_episode()
        self.worker.forget_explanation()
        self.set_status(
            f"{agent.name} now thinks for {k} rounds (trained with {trained}); a new episode, its totals afresh"
            + ("" if k == trained else f" — K / Shift+K: more / fewer ({', '.join(map(str, ladder))})")
        )

    def inside_view(self) -> dict:
        """What the view shows of the insides: the steer tool's state, the probe frame of the selected
        agent (in the probe view), the selected mesa agent's object scores (whenever it explains)."""
        out = {"steer_on": self.steer.on, "probe": None, "scores": None}
        run = self.selected_run()
        if run is None or not self.explain_mode:
            return out
        if self.explain_mode == PROBE_MODE and steering.probe_viewable(run.agent):
            out["probe"] = self.probe.frame(run.agent, self.level)
        out["scores"] = steering.object_scores(run.agent, self.level)
        return out
