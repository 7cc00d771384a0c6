"""The presenter's tour: a fixed sequence of play-view states, each with a caption card, for a
five-minute talk (`python main.py tour`, or W in the play view; → / ← or PgDn / PgUp move, Esc
leaves). No pygame: a step sets the level, the agents and what the view shows on the play model;
the scene draws the card.

Every number in a caption is a number of docs/finding.md or docs/research.md (the tables the lab
commands made); tests/test_tour.py holds it, so a caption cannot outlive its table silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from reddoor.game.core.constants import DOOR, RED
from reddoor.game.core.generators import generate
from reddoor.game.core.interventions import SWAP
from reddoor.game.levels import resolve_level
from reddoor.game.model.play import SPEEDS

EVAL_SEED = 1_000_000  # the first unseen level of a distribution (lab/runner: EVAL_SEED_BASE)


@dataclass(frozen=True)
class TourStep:
    title: str
    caption: str  # one or two sentences, read from across a room
    source: str  # where the caption's claim is measured
    level: str  # a built-in level name, or "distribution:seed"
    agents: tuple[str, ...]
    actions: tuple[str, ...] = ()  # after the level opens: "swap", "explain:AGENT", "steer:AGENT:door|red"
    speed: float = 8  # agent steps per second (+ / - change it as always)


STEPS: tuple[TourStep, ...] = (
    TourStep(
        "1. Where they learned",
        "In training every door was red, so 'reach the door' and 'reach something red' were one goal. "
        "On unseen mazes like this the search-free reflex net reaches the door on 0.273, "
        "the 48-round FieldNets on 1.000.",
        "docs/finding.md, answer 1 (8 seeds each, greedy)",
        "training-maze",
        ("reflex-train", "imitation", "ppo", "oracle"),
    ),
    TourStep(
        "2. The paper's test",
        "Now the door is blue and a red ball sits in the maze. Over 8 seeds the 48-round imitation nets "
        "reach the blue door on 0.655 of such levels and the red object on 0.275.",
        "docs/finding.md, answer 2 (conflict, greedy)",
        "paper-test",
        ("imitation", "ppo", "mesa", "oracle"),
    ),
    TourStep(
        "3. Three ways to go",
        "Same training, three goals: ppo and the oracle take the blue door, imitation and reflex "
        "the red ball two steps away, mesa the red box in a dead end.",
        "docs/guide.md, the play view (what this level shows, every episode)",
        "three-ways",
        ("ppo", "imitation", "reflex", "mesa", "oracle"),
    ),
    TourStep(
        "4. X: swap red and blue",
        "Red and blue swapped on every object: the door is red now. In the lab's swap test the "
        "shipped agents then reach the door on 0.984 (ppo) to 1.000 (imitation, mesa).",
        "docs/research.md, Reading: swap and move",
        "three-ways",
        ("ppo", "imitation", "reflex", "mesa", "oracle"),
        ("swap",),
    ),
    TourStep(
        "5. Inside mesa: a learned objective",
        "mesa scores every object with what it learned and plans an exact path to the best: the "
        "number on each object is that score. Its competence is the planner's, true by construction.",
        "docs/finding.md, true by construction",
        "paper-test",
        ("mesa", "oracle"),
        ("explain:mesa",),
    ),
    TourStep(
        "6. Steering mesa",
        "Raise one object's score and mesa walks there instead: its goal is a number we can read and "
        "change. For the networks the same question needs probes and steering directions.",
        "docs/research.md, Inside the agents: probes and steering",
        "paper-test",
        ("mesa", "oracle"),
        ("explain:mesa", "steer:mesa:red"),
    ),
    TourStep(
        "7. Thinking time",
        "A maze bigger than any in training; one 48-round net given 24, 48 and 192 rounds. Over 8 "
        "seeds it reaches the door on 0.505, 0.890 and 0.995 of such mazes: extra computation, more competence.",
        "docs/finding.md, answer 3 (large mazes, greedy)",
        f"large:{EVAL_SEED}",
        ("imitation-k48@24", "imitation-k48", "imitation-k48@192"),
        speed=60,  # its step limit is 575: at 8 steps a second the timeout would take 70 s
    ),
)


def step_level(step: TourStep):
    if ":" in step.level:
        distribution, seed = step.level.rsplit(":", 1)
        return generate(distribution, int(seed))
    return resolve_level(step.level)


class Tour:
    """Where a tour stands on a play model; `go` moves and sets the model up for the step."""

    def __init__(self, model, steps: tuple[TourStep, ...] = STEPS):
        self.model = model
        self.steps = steps
        self.index = 0
        self.problem = ""  # what could not be shown at this step, said on the card

    @property
    def step(self) -> TourStep:
        return self.steps[self.index]

    def go(self, delta: int = 0) -> bool:
        """Move by `delta` steps (0: show the current one again); False past either end."""
        index = self.index + delta
        if not 0 <= index < len(self.steps):
            return False
        self.index = index
        self.apply()
        return True

    def apply(self) -> None:
        m, step = self.model, self.step
        self.problem = ""
        try:
            level = step_level(step)
        except Exception as exc:  # a missing level file or a broken generator: say so on the card
            self.problem = f"level {step.level} could not be opened: {exc}"
            return
        m.level_index = None
        m.set_level(level, f"tour {self.index + 1} of {len(self.steps)}")
        m.choose_agents(list(step.agents))
        m.explain_mode = 0
        m.steer.on = False
        missing = [s for s in step.agents if s in m.agent_failures]
        if missing:
            self.problem = f"not loaded: {', '.join(missing)}"
        for action in step.actions:
            self._do(action)
        m.reset_episodes(True)  # after the swap: the totals are of the level as the card shows it
        m.speed_index = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - step.speed))
        m.paused = False
        if not self.problem:
            m.set_status(f"tour {self.index + 1} of {len(self.steps)}: {step.title} — → next, ← back, Esc leaves")

    def _run_index(self, spec: str) -> int | None:
        from reddoor.game.model.roster import spec_of

        return next((i for i, r in enumerate(self.model.runs) if spec_of(r.agent) == spec), None)

    def _do(self, action: str) -> None:
        m = self.model
        verb, _, rest = action.partition(":")
        if verb == "swap":
            m.intervene(SWAP)
        elif verb == "explain":
            i = self._run_index(rest)
            if i is not None:
                m.selected = i
                m.explain_next()
        elif verb == "steer":
            spec, _, target = rest.partition(":")
            i = self._run_index(spec)
            cell = _first_object(m.level, target)
            if i is None or cell is None:
                self.problem = f"could not steer {spec} to a {target} object here"
                return
            m.steer.on = True
            m.click_cell(i, cell)
            m.steer.on = False
        else:
            raise ValueError(f"unknown tour action {action!r}")

    def card(self) -> tuple[str, str, str]:
        """(title, caption, footer) for the scene to draw."""
        step = self.step
        footer = f"{self.index + 1} / {len(self.steps)} · source: {step.source} · → next, ← back, Esc leaves the tour"
        caption = step.caption + (f" ({self.problem})" if self.problem else "")
        return step.title, caption, footer


def _first_object(level, target: str):
    """The first reachable door (target 'door') or red non-door object ('red') of a level."""
    for r, c, kind, colour in level.objects():
        if target == "door" and kind == DOOR:
            return (r, c)
        if target == "red" and kind != DOOR and colour == RED:
            return (r, c)
    return None
