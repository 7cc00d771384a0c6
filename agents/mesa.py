"""The 'mesa' kind: an explicit mesa-optimizer, a learned objective plus an exact planner
(agents/train/mesa.py)."""
from __future__ import annotations

import numpy as np

from game.core.constants import DOOR, FLOOR, N_ACTIONS, WALL
from game.core.level import Level
from game.core.observation import CH_AGENT, decode_kinds
from game.core.oracle import distance_to, greedy_action

from .base import Explanation, plan_arrows, register
from .policy import LearnedAgent, agent_cells


@register
class MesaAgent(LearnedAgent):
    """A learned objective (a score per cell from what it holds) plus an exact planner (BFS) that
    walks a shortest path to the best-scoring object it can reach (ties: the nearer one)."""

    kind = "mesa"
    architecture = "cellscorer"

    def _compute(self, static: np.ndarray) -> dict:
        kind = decode_kinds(static)
        scores = self.net(static[None])[0]
        objects = [tuple(map(int, p)) for p in np.argwhere(kind >= DOOR)]
        return {"kind": kind, "scores": scores, "objects": objects, "dist": {}}

    @staticmethod
    def _dist_to(plan: dict, cell: tuple[int, int]) -> np.ndarray:
        d = plan["dist"].get(cell)
        if d is None:
            target = np.zeros(plan["kind"].shape, bool)
            target[cell] = True
            d = plan["dist"][cell] = distance_to(plan["kind"], target)
        return d

    def goal(self, plan: dict, agent: tuple[int, int]) -> tuple[int, int] | None:
        """The planner's target: the reachable object of highest learned score (then the nearest)."""
        best, best_key = None, None
        for cell in plan["objects"]:
            d = self._dist_to(plan, cell)[agent]
            if d < 0:
                continue
            key = (float(plan["scores"][cell]), -int(d))
            if best_key is None or key > best_key:
                best, best_key = cell, key
        return best

    def act_batch(self, obs: np.ndarray) -> np.ndarray:
        cells = agent_cells(obs)
        out = np.zeros(len(obs), np.int64)
        for i in range(len(obs)):
            plan = self._per_level(obs[i, :CH_AGENT])
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
        heat[level.kind == WALL] = np.nan
        goal = self.goal(plan, level.start)
        if goal is None:
            arrows = np.full((h, w, N_ACTIONS), np.nan, np.float32)
        else:
            d = self._dist_to(plan, goal)
            arrows = plan_arrows(d, (level.kind == FLOOR) & (d[:h, :w] > 0))
        return Explanation("mesa: its learned objective (score per cell) and its plan", heat=heat, arrows=arrows)
