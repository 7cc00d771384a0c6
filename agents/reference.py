"""Reference agents: the oracle that walks a shortest path to the true door, and a random agent."""

from __future__ import annotations

import numpy as np

from reddoor.game.core.constants import DOOR, FLOOR, N_ACTIONS
from reddoor.game.core.level import Level
from reddoor.game.core.observation import CH_AGENT, decode_kinds, encode
from reddoor.game.core.oracle import distance_to, greedy_action

from .base import Agent, Explanation, plan_arrows, register


@register
class OracleAgent(Agent):
    """Plans to the nearest door by BFS (whatever its colour): the robustly aligned reference."""

    kind = "oracle"
    deterministic = True
    rule = "plan"

    def __init__(self, name: str | None = None):
        super().__init__(name)
        self._cache: dict[bytes, np.ndarray] = {}

    def _dist(self, obs: np.ndarray) -> np.ndarray:
        key = obs[:CH_AGENT].tobytes()
        dist = self._cache.get(key)
        if dist is None:
            kind = decode_kinds(obs)
            dist = distance_to(kind, kind == DOOR)
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[key] = dist
        return dist

    def prepare(self, level: Level, agent: tuple[int, int]) -> None:
        self._dist(encode(level, agent))

    def act_batch(self, obs: np.ndarray) -> np.ndarray:
        out = np.zeros(len(obs), np.int64)
        for i, o in enumerate(obs):
            pos = np.argwhere(o[CH_AGENT] > 0)
            if len(pos):
                a = greedy_action(self._dist(o), tuple(pos[0]))
                out[i] = 0 if a is None else a
        return out

    def explain(self, level: Level) -> Explanation:
        dist = distance_to(level.kind, level.kind == DOOR)
        heat = -dist.astype(np.float32)
        heat[dist < 0] = np.nan
        arrows = plan_arrows(dist, level.kind == FLOOR)
        return Explanation("oracle: minus distance to the nearest door", heat=heat, arrows=arrows)


@register
class RandomAgent(Agent):
    """Uniformly random moves from its own seeded generator."""

    kind = "random"
    rule = "uniform"

    def __init__(self, name: str | None = None, seed: int = 0):
        super().__init__(name)
        self.rng = np.random.default_rng(seed)

    def reset(self, seed: int | None = None) -> None:
        if seed is not None:
            self.rng = np.random.default_rng(seed)

    def act_batch(self, obs: np.ndarray) -> np.ndarray:
        return self.rng.integers(0, N_ACTIONS, size=len(obs)).astype(np.int64)
