"""The agent interface every kind implements, and the registry that finds kinds by name.

Agents act from the observation tensor alone (game/core/observation.py, layout version 1), so one
call serves a single world, a batched env and the Gymnasium env alike.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from game.core.level import Level
from game.core.constants import N_ACTIONS
from game.core.observation import encode
from game.core.oracle import greedy_action


@dataclass
class Explanation:
    """What an agent 'wants', per cell of the level (H x W), for the play view's overlay.

    heat: values (higher = wanted more), NaN where undefined (walls); arrows: (H, W, 4) action
    probabilities (U, D, L, R), NaN where undefined. Either may be None.
    """

    label: str
    heat: np.ndarray | None = None
    arrows: np.ndarray | None = None


def plan_arrows(dist: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Explanation arrows of a planner: at each cell of the boolean (H, W) mask `cells`, a one-hot
    for the move `greedy_action` takes down the distance map `dist`; NaN elsewhere."""
    arrows = np.full(cells.shape + (N_ACTIONS,), np.nan, np.float32)
    for r, c in zip(*np.nonzero(cells)):
        a = greedy_action(dist, (int(r), int(c)))
        if a is not None:
            arrows[r, c] = 0
            arrows[r, c, a] = 1
    return arrows


class Agent(ABC):
    """Reset at the start of an episode, choose actions, explain what it wants."""

    kind: ClassVar[str] = ""
    # True where the first look at a new level is a whole network pass (milliseconds to tens of
    # them): the play view then does not hold a frame waiting for it.
    slow_first_look: ClassVar[bool] = False
    # True where act_batch's move for obs[i] is a function of obs[i] alone: no random generator, no
    # memory between calls, the same bits whatever the other rows of the batch are. Such an agent
    # that steps back onto a cell it has already stood on in an episode is in a loop it never
    # leaves (lab.experiment.play_together ends those episodes early, with the same outcome).
    # Read it on an agent, not its class: a kind may make it a property (FieldPolicy: when greedy).
    deterministic: bool = False

    def __init__(self, name: str | None = None):
        self.name = name or self.kind

    def reset(self, seed: int | None = None) -> None:
        """Called at the start of every episode (stateless agents ignore it)."""

    @abstractmethod
    def act_batch(self, obs: np.ndarray) -> np.ndarray:
        """Actions (B,) int64 for observations (B, C, S, S) uint8."""

    def act(self, level: Level, agent: tuple[int, int]) -> int:
        """The action for one world: the level as it is now (recolours included) and the agent's cell."""
        return int(self.act_batch(encode(level, agent)[None])[0])

    def explain(self, level: Level) -> Explanation | None:
        """A per-cell map of what the agent wants on this level, or None if it has none."""
        return None


REGISTRY: dict[str, type[Agent]] = {}


def register(cls: type[Agent]) -> type[Agent]:
    """Class decorator: make a kind findable by its `kind` name."""
    REGISTRY[cls.kind] = cls
    return cls


def make_agent(kind: str, **kwargs) -> Agent:
    """An agent of a registered kind that needs no weights (oracle, random)."""
    if kind not in REGISTRY:
        raise ValueError(f"unknown agent kind {kind!r}; expected one of {', '.join(sorted(REGISTRY))}")
    return REGISTRY[kind](**kwargs)
