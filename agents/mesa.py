"""The 'mesa' kind: an explicit mesa-optimizer, a learned objective plus an exact planner
(agents/train/mesa.py)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from reddoor.game.core.constants import DOOR, FLOOR, N_ACTIONS, N_COLORS, WALL
from reddoor.game.core.level import Level
from reddoor.game.core.observation import CH_AGENT, CH_COLOR0, decode_kinds, encode
from reddoor.game.core.oracle import distance_to, greedy_action

from .base import Explanation, counter_uniforms, plan_arrows, register
from .policy import LearnedAgent, agent_cells


@dataclass(frozen=True)
class ObjectScore:
    """One object's score under mesa's learned objective, and the steering nudge added to it."""

    cell: tuple[int, int]
    learned: float
    nudge: float

    @property
    def total(self) -> float:
        return self.learned + self.nudge


@register
class MesaAgent(LearnedAgent):
    """A learned objective (a score per cell from what it holds) plus an exact planner (BFS) that
    walks a shortest path to the best-scoring object it can reach (ties: the nearer one).

    Steering edits the objective: `set_steering(cell, delta)` adds delta to the score of the object
    at that cell only (the learned score is a function of kind and colour, so editing it would
    retarget every object of that kind and colour; `same_kind_colour=True` does exactly that)."""

    kind = "mesa"
    architecture = "cellscorer"
    rule = "plan"
    steer_by = "score"
    steer_symbol = "δ"

    def default_strength(self) -> float:
        return 10.0  # +10 on a score moves every target of docs/steer.md (success 1.000)

    _steering: tuple | None = None  # (cell, delta, same_kind_colour)
    _extra: dict = {}  # set_nudges: cell -> delta (never mutated in place)
    # The decision rule, an inference-time dial (spec option commit=, no retraining):
    # ("argmax", 0): as trained, commit to the best-scoring reachable object however low its score;
    # ("threshold", T): commit only to one scoring above T, else move at random;
    # ("softmax", tau): draw the goal once per episode from a softmax of the scores / tau.
    commit: tuple[str, float] = ("argmax", 0.0)
    _episode_seed: int = 0

    def set_option(self, key: str, value: str) -> None:
        if key != "commit":
            return super().set_option(key, value)
        rule, _, number = value.partition(":")
        if rule == "argmax" and not number:
            self.commit = ("argmax", 0.0)
            return
        try:
            x = float(number)
        except ValueError:
            x = float("nan")
        if rule == "threshold" and np.isfinite(x):
            self.commit = ("threshold", x)
        elif rule == "softmax" and np.isfinite(x) and x > 0:
            self.commit = ("softmax", x)
        else:
            raise ValueError(f"commit={value!r}: expected argmax, threshold:T (a number) or softmax:TAU (a number > 0)")

    @property
    def commit_label(self) -> str:
        rule, x = self.commit
        return "argmax" if rule == "argmax" else f"{rule}:{x:g}"

    @property
    def deterministic(self) -> bool:  # never: a goal below the threshold, or none, means random moves
        return False

    def reset(self, seed: int | None = None) -> None:
        super().reset(seed)
        if seed is not None:
            self._episode_seed = int(seed)

    def _compute(self, static: np.ndarray) -> dict:
        kind = decode_kinds(static)
        scores = self.net(static[None])[0]
        objects = [tuple(map(int, p)) for p in np.argwhere(kind >= DOOR)]
        colour = static[CH_COLOR0 : CH_COLOR0 + N_COLORS].argmax(0)
        return {"kind": kind, "colour": colour, "scores": scores, "objects": objects, "dist": {}}

    # -- steering ----------------------------------------------------------------------------
    def set_steering(self, cell: tuple[int, int], delta: float, same_kind_colour: bool = False) -> None:
        """Add `delta` to the learned score of the object at `cell` (with same_kind_colour, of every
        object of its kind and colour), from the next decision on."""
        cell = (int(cell[0]), int(cell[1]))
        if min(cell) < 0:
            raise ValueError(f"steering cell {cell} is off the map")
        if not np.isfinite(delta):
            raise ValueError(f"steering nudge must be a finite number, got {delta!r}")
        self._steering = (cell, float(delta), bool(same_kind_colour))

    def set_nudges(self, nudges: dict[tuple[int, int], float]) -> None:
        """Arbitrary nudges, cell -> delta, on top of `set_steering` (the lab's random-direction
        control spreads one over every object of a level)."""
        self._extra = {(int(r), int(c)): float(v) for (r, c), v in nudges.items()}

    def clear_steering(self) -> None:
        self._steering = None
        self._extra = {}

    @property
    def steering(self) -> tuple[tuple[int, int], float] | None:
        """(cell, delta) while steered, else None."""
        steering = self._steering  # read once: the UI thread may clear it meanwhile
        return None if steering is None else steering[:2]

    def _nudges(self, plan: dict) -> dict[tuple[int, int], float]:
        out = {o: v for o, v in self._extra.items() if o in plan["objects"]}
        steering = self._steering  # read once: the UI thread may clear it meanwhile
        if steering is None:
            return out
        cell, delta, same = steering
        if cell in plan["objects"]:
            k, c = plan["kind"][cell], plan["colour"][cell]
            for o in plan["objects"]:
                if o == cell or (same and plan["kind"][o] == k and plan["colour"][o] == c):
                    out[o] = out.get(o, 0.0) + delta
        return out

    def object_scores(self, level: Level) -> list[ObjectScore]:
        """Every object's learned score and steering nudge on this level (row-major order): the
        numbers the play view prints on the objects."""
        plan = self._map_of(level)
        nudges = self._nudges(plan)
        return [ObjectScore(o, float(plan["scores"][o]), nudges.get(o, 0.0)) for o in plan["objects"]]

    @staticmethod
    def _dist_to(plan: dict, cell: tuple[int, int]) -> np.ndarray:
        d = plan["dist"].get(cell)
        if d is None:
            target = np.zeros(plan["kind"].shape, bool)
            target[cell] = True
            d = plan["dist"][cell] = distance_to(plan["kind"], target)
        return d

    def prepare(self, level: Level, agent: tuple[int, int]) -> None:
        obs = encode(level, agent)[None]
        plan = self._per_level_batch(obs[:, :CH_AGENT])[0]
        goal = self.goal(plan, agent)  # a rule of the plan and the episode's seed: no draw
        if goal is not None:
            self._dist_to(plan, goal)

    def goal(self, plan: dict, agent: tuple[int, int]) -> tuple[int, int] | None:
        """The planner's target under the decision rule (`commit`): as trained, the reachable object
        of highest score (learned + nudge; ties: the nearer one); None means move at random."""
        nudges = self._nudges(plan)
        options = []  # (score, -distance, cell) of each reachable object
        for cell in plan["objects"]:
            d = self._dist_to(plan, cell)[agent]
            if d >= 0:
                options.append((float(plan["scores"][cell]) + nudges.get(cell, 0.0), -int(d), cell))
        if not options:
            return None
        rule, x = self.commit
        if rule == "softmax":
            # One draw per episode and level: the reachable objects stay the same as the agent moves,
            # so every step of the episode reads the same goal.
            score = np.array([o[0] for o in options]) / x
            p = np.exp(score - score.max())
            key = np.uint64(
                zlib.crc32(plan["kind"].tobytes() + plan["colour"].tobytes())
                ^ (self._episode_seed << 32) & 0xFFFFFFFFFFFFFFFF
            )
            u = counter_uniforms(np.array([key], np.uint64), 0)[0]
            return options[min(int((np.cumsum(p / p.sum()) <= u).sum()), len(options) - 1)][2]
        best = max(options, key=lambda o: o[:2])
        if rule == "threshold" and best[0] <= x:
            return None
        return best[2]

    def act_batch(self, obs: np.ndarray) -> np.ndarray:
        cells = agent_cells(obs)
        out = np.zeros(len(obs), np.int64)
        for i, plan in enumerate(self._per_level_batch(obs[:, :CH_AGENT])):
            agent = (int(cells[i, 0]), int(cells[i, 1]))
            goal = self.goal(plan, agent)
            if goal is None:
                out[i] = self.rng.integers(N_ACTIONS)
                continue
            a = greedy_action(self._dist_to(plan, goal), agent)
            out[i] = self.rng.integers(N_ACTIONS) if a is None else a
        return out

    def explain(self, level: Level) -> Explanation:
        h, w = level.height, level.width
        plan = self._map_of(level)
        heat = plan["scores"][:h, :w].astype(np.float32).copy()
        for cell, nudge in self._nudges(plan).items():
            heat[cell] += nudge
        heat[level.kind == WALL] = np.nan
        goal = self.goal(plan, level.start)
        if goal is None:
            arrows = np.full((h, w, N_ACTIONS), np.nan, np.float32)
        else:
            d = self._dist_to(plan, goal)
            arrows = plan_arrows(d, (level.kind == FLOOR) & (d[:h, :w] > 0))
        return Explanation("mesa: its learned objective (score per cell) and its plan", heat=heat, arrows=arrows)
