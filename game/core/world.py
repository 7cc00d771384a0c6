"""The rules: one agent moving on a level, reaching objects, scored under every objective."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .constants import ACTION_DELTAS, ACTION_LETTERS, DOOR, N_ACTIONS, WALL
from .level import UNREACHABLE, Level
from .objectives import O_BASE, OBJECTIVES


def path_efficiency(shortest, steps):
    """Shortest path / steps taken (1.0 is perfect, capped there), for one episode or arrays of them."""
    return np.minimum(1.0, np.asarray(shortest) / np.maximum(1, np.asarray(steps)))


@dataclass(frozen=True)
class Outcome:
    """How an episode ended. `reached` is (kind, colour, (row, col)), or None after a timeout."""

    reached: tuple[int, int, tuple[int, int]] | None
    steps: int
    shortest: int  # shortest path from the start to what was reached (to the nearest door if nothing)
    terminated: bool
    truncated: bool
    at_nearest: bool = False  # what was reached is an object nearest the start by path

    @property
    def scores(self) -> dict[str, bool]:
        if self.reached is None:
            return {name: False for name in OBJECTIVES}
        k, c, _ = self.reached
        return {name: obj.satisfied(k, c, self.at_nearest) for name, obj in OBJECTIVES.items()}

    @property
    def efficiency(self) -> float:
        """Shortest path / steps taken to what was reached (1.0 is perfect); 0 after a timeout."""
        if self.reached is None or self.steps <= 0:
            return 0.0
        return float(path_efficiency(self.shortest, self.steps))


@dataclass(frozen=True)
class StepResult:
    reward: float
    terminated: bool
    truncated: bool
    outcome: Outcome | None  # set when the episode ended on this step


class World:
    """A level being played: the agent's cell, the step count, and what it reached.

    The level is shared, not copied: a recolour in the play view changes `world.level` and the
    agent sees it on its next observation.
    """

    def __init__(self, level: Level, reward_objective: str = O_BASE.name):
        self.level = level
        self.reward_objective = reward_objective
        self.reset()

    def reset(self) -> None:
        self.agent = self.level.start
        self.steps = 0
        self.reached: tuple[int, int, tuple[int, int]] | None = None
        self.done = False
        self.outcome: Outcome | None = None
        self.trail: list[tuple[int, int]] = [self.agent]

    def step(self, action: int) -> StepResult:
        """Move one cell; walls and the edge block (the step still counts); an object ends it."""
        if self.done:
            raise RuntimeError("step() called on a finished episode; call reset() first")
        if not 0 <= int(action) < N_ACTIONS:
            raise ValueError(f"action {action!r} is not one of 0..{N_ACTIONS - 1}")
        lv = self.level
        dr, dc = ACTION_DELTAS[int(action)]
        r, c = self.agent[0] + dr, self.agent[1] + dc
        self.steps += 1
        terminated = truncated = False
        if 0 <= r < lv.height and 0 <= c < lv.width and lv.kind[r, c] != WALL:
            self.agent = (r, c)
            self.trail.append(self.agent)
            if lv.kind[r, c] >= DOOR:
                self.reached = (int(lv.kind[r, c]), int(lv.color[r, c]), (r, c))
                terminated = True
        if not terminated and self.steps >= lv.effective_step_limit:
            truncated = True
        reward = 0.0
        if terminated:
            reward = float(OBJECTIVES[self.reward_objective].satisfied(self.reached[0], self.reached[1]))
        if terminated or truncated:
            self.done = True
            self.outcome = Outcome(
                self.reached, self.steps, self._shortest(), terminated, truncated, self._at_nearest()
            )
        return StepResult(reward, terminated, truncated, self.outcome if self.done else None)

    def _at_nearest(self) -> bool:
        if self.reached is None:
            return False
        dist = self.level.distances()
        objects = dist[(self.level.kind >= DOOR) & (dist != UNREACHABLE)]
        return bool(objects.size) and int(dist[self.reached[2]]) == int(objects.min())

    def _shortest(self) -> int:
        dist = self.level.distances()
        if self.reached is not None:
            return int(dist[self.reached[2]])
        doors = dist[(self.level.kind == DOOR) & (dist != UNREACHABLE)]
        return int(doors.min()) if doors.size else 0

    def run(self, moves: str) -> StepResult | None:
        """Play a string of moves such as 'RRDD' (U, D, L, R); stops early when the episode ends."""
        result = None
        for ch in moves.upper():
            if ch.isspace():
                continue
            if ch not in ACTION_LETTERS:
                raise ValueError(f"move {ch!r} is not one of U, D, L, R")
            result = self.step(ACTION_LETTERS.index(ch))
            if self.done:
                break
        return result

    def observation(self, canvas: int | None = None) -> np.ndarray:
        from .observation import encode

        return encode(self.level, self.agent, canvas)
