"""Several agents acting on one shared level, each in its own World, and their running totals.

No pygame here: the play view, the smoke test, the benchmark and the tests drive the same
`Session.tick`. The level object is shared by every World, so a recolour is seen by every agent
on its next observation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from reddoor.agents.base import Agent
from reddoor.game.core.constants import DOOR, N_COLORS
from reddoor.game.core.level import Level
from reddoor.game.core.objectives import NEITHER, O_ALT, O_BASE, TIMEOUT, other_objective_names, outcome_categories
from reddoor.game.core.world import Outcome, World


@dataclass
class Tally:
    """Running totals for one agent: episodes, hits per objective, neither, timeouts, the last outcome.

    `neither` and `timeouts` are the categories of game.core.objectives (NEITHER, TIMEOUT): an
    object satisfying neither O_base nor O_alt, and nothing reached. So episodes =
    (O_base or O_alt hits) + neither + timeouts.
    """

    episodes: int = 0
    hits: dict[str, int] = field(default_factory=dict)
    neither: int = 0
    timeouts: int = 0
    last: Outcome | None = None

    def record(self, outcome: Outcome) -> None:
        self.episodes += 1
        self.last = outcome
        scores = outcome.scores
        for name, ok in scores.items():
            self.hits[name] = self.hits.get(name, 0) + int(ok)
        kind, colour = outcome.reached[:2] if outcome.reached is not None else (None, None)
        category = outcome_categories(kind, colour)
        self.timeouts += category[TIMEOUT]
        self.neither += category[NEITHER]

    def hit(self, name: str) -> int:
        return self.hits.get(name, 0)

    @property
    def o_base(self) -> int:
        return self.hit(O_BASE.name)

    @property
    def o_alt(self) -> int:
        return self.hit(O_ALT.name)


class AgentRun:
    """One agent with its own World on the shared level.

    Two tallies: `tally` counts only episodes played wholly on the level as it is now (a level
    change or a recolour starts it afresh), `all_tally` every episode since the view opened.
    """

    def __init__(self, agent: Agent, level: Level, seed: int = 0):
        self.agent = agent
        self.world = World(level)
        self.tally = Tally()
        self.all_tally = Tally()
        self.level_version = 0  # the session's level version this episode started on
        self.version_now = 0  # the session's level version now (set by the session)
        self.seed = seed
        self.episode = 0
        self.heading = 3
        self.hold = 0  # ticks left showing a finished episode before the next one starts
        self.error: str | None = None  # set when the agent raised; it then stops acting
        self.agent.reset(seed)

    @property
    def name(self) -> str:
        return self.agent.name

    def new_episode(self) -> None:
        self.world.reset()
        self.level_version = self.version_now
        self.episode += 1
        self.hold = 0
        self.agent.reset(self.seed + self.episode)

    def set_level(self, level: Level) -> None:
        self.world = World(level)
        self.level_version = self.version_now
        self.hold = 0
        self.agent.reset(self.seed + self.episode)

    def tick(self, hold_ticks: int) -> Outcome | None:
        """One step of the agent (or of the pause after an episode); the outcome if it just ended."""
        if self.error is not None:
            return None
        w = self.world
        if w.done:
            if self.hold > 0:
                self.hold -= 1
                return None
            self.new_episode()
            return None
        try:
            action = int(self.agent.act(w.level, w.agent))
        except Exception as exc:  # a broken agent must not take the view down with it
            self.error = f"{type(exc).__name__}: {exc}"
            return None
        self.heading = action
        result = w.step(action)
        if result.outcome is not None:
            self.all_tally.record(result.outcome)
            if self.level_version == self.version_now:  # begun before a recolour: not this level's
                self.tally.record(result.outcome)
            self.hold = hold_ticks
            return result.outcome
        return None


class Session:
    """The agents acting on one level: tick them, recolour the level, reset, change level or agents."""

    def __init__(self, level: Level, agents: list[Agent], hold_ticks: int = 3):
        self.level = level
        self.hold_ticks = hold_ticks
        self.runs = [AgentRun(a, level, seed=i * 1000) for i, a in enumerate(agents)]
        self.ticks = 0
        self.version = 0  # counts changes to the level (new level, recolour, move)

    def level_changed(self) -> None:
        """The level changed in place (a recolour, a move): the per-level totals start afresh;
        episodes under way finish, and count only in the all-levels totals."""
        self.version += 1
        for run in self.runs:
            run.version_now = self.version
            run.tally = Tally()

    # -- time --------------------------------------------------------------------------------
    def tick(self, ready: Callable[[AgentRun], bool] | None = None) -> list[tuple[AgentRun, Outcome]]:
        """Every agent takes one step (those `ready` says are not ready sit it out); returns the
        episodes that ended on it."""
        self.ticks += 1
        ended = []
        for run in self.runs:
            if ready is not None and not ready(run):
                continue
            outcome = run.tick(self.hold_ticks)
            if outcome is not None:
                ended.append((run, outcome))
        return ended

    def reset_episodes(self) -> None:
        for run in self.runs:
            run.new_episode()

    def reset_totals(self) -> None:
        for run in self.runs:
            run.tally = Tally()
            run.all_tally = Tally()

    # -- what acts where ---------------------------------------------------------------------
    def set_level(self, level: Level) -> None:
        """Move every agent to a new level (a fresh episode); the per-level totals start afresh,
        the all-levels totals carry on."""
        self.level = level
        self.level_changed()
        for run in self.runs:
            run.set_level(level)

    def set_agents(self, agents: list[Agent]) -> None:
        """Replace the roster, keeping the run (and totals) of any agent object already in it."""
        old = {id(r.agent): r for r in self.runs}
        runs = []
        for i, agent in enumerate(agents):
            run = old.get(id(agent))
            if run is None:
                run = AgentRun(agent, self.level, seed=i * 1000)
                run.version_now = run.level_version = self.version
            runs.append(run)
        self.runs = runs

    # -- recolouring (changes the world: every agent sees it on its next step) -----------------
    def cycle_colour(self, row: int, col: int, delta: int = 1) -> int | None:
        """Give the object at (row, col) the next (or previous) colour; its new colour, or None."""
        lv = self.level
        if not (0 <= row < lv.height and 0 <= col < lv.width) or lv.kind[row, col] < DOOR:
            return None
        new = (int(lv.color[row, col]) + delta) % N_COLORS
        lv.color[row, col] = new
        self.level_changed()
        return new

    def set_colour(self, row: int, col: int, colour: int) -> bool:
        lv = self.level
        if not (0 <= row < lv.height and 0 <= col < lv.width) or lv.kind[row, col] < DOOR:
            return False
        if lv.color[row, col] != colour % N_COLORS:
            lv.color[row, col] = colour % N_COLORS
            self.level_changed()
        return True

    def recolour_doors(self) -> int | None:
        """Every door takes the colour after the first door's; that colour, or None without doors."""
        doors = self.level.kind == DOOR
        if not doors.any():
            return None
        new = (int(self.level.color[doors][0]) + 1) % N_COLORS
        self.level.color[doors] = new
        self.level_changed()
        return new


def objective_names() -> list[str]:
    """Every registered objective, O_base and O_alt first."""
    return [O_BASE.name, O_ALT.name] + other_objective_names()
