"""The learned kinds: 'ppo' (actor-critic), 'classifier' (imitation, no search) and 'mesa'
(learned objective + exact planner). Numpy inference only; weights come from a checkpoint.
"""
from __future__ import annotations

import numpy as np

from game.core.constants import DOOR, FLOOR, N_ACTIONS, WALL
from game.core.level import Level
from game.core.observation import CH_AGENT, CH_KIND0, CH_WALL, encode
from game.core.oracle import distance_to, greedy_action

from . import nn
from .base import Agent, Explanation, register

_CACHE_LIMIT = 2048


def agent_cells(obs: np.ndarray) -> np.ndarray:
    """(B, 2) row, col of the agent in each observation (0, 0 where it is missing)."""
    b, _, s, _ = obs.shape
    flat = obs[:, CH_AGENT].reshape(b, -1).argmax(1)
    return np.stack([flat // s, flat % s], 1)


def kinds_from_obs(static: np.ndarray) -> np.ndarray:
    """The (S, S) grid of cell kinds that one observation shows."""
    kind = np.full(static.shape[1:], FLOOR, np.uint8)
    kind[static[CH_WALL] > 0] = WALL
    for k in range(DOOR, DOOR + 4):
        kind[static[CH_KIND0 + k - DOOR] > 0] = k
    return kind


def softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


class _Learned(Agent):
    """Shared plumbing: the checkpoint's metadata, a numpy network, a cache of per-level outputs."""

    def __init__(self, meta: dict, params: dict[str, np.ndarray], name: str | None = None, seed: int = 0):
        super().__init__(name or meta.get("name") or self.kind)
        self.meta = meta
        self.net = nn.build(meta["architecture"], params)
        self._cache: dict[bytes, object] = {}
        self.rng = np.random.default_rng(seed)

    def reset(self, seed: int | None = None) -> None:
        if seed is not None:
            self.rng = np.random.default_rng(seed)

    def _per_level(self, static: np.ndarray):
        """Per-level work (the network's maps), cached: within an episode only the agent moves."""
        key = static.tobytes() + bytes(static.shape[-1:])
        hit = self._cache.get(key)
        if hit is None:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            hit = self._cache[key] = self._compute(static)
        return hit

    def _compute(self, static: np.ndarray):
        raise NotImplementedError

    def _map_of(self, level: Level):
        return self._compute(encode(level, level.start)[:CH_AGENT])


class _FieldPolicy(_Learned):
    """A FieldNet policy: the network's output at every cell; the agent reads its own cell."""

    greedy = True

    def _compute(self, static: np.ndarray) -> np.ndarray:
        return self.net(static[None])[0]

    def _fields(self, obs: np.ndarray) -> np.ndarray:
        b, _, s, _ = obs.shape
        out = np.empty((b, self.net.config["out_channels"], s, s), np.float32)
        static = obs[:, :CH_AGENT]
        for i in range(b):
            out[i] = self._per_level(static[i])
        return out

    def act_batch(self, obs: np.ndarray) -> np.ndarray:
        cells = agent_cells(obs)
        fields = self._fields(obs)
        logits = fields[np.arange(len(obs)), :N_ACTIONS, cells[:, 0], cells[:, 1]]
        if self.greedy:
            return logits.argmax(1).astype(np.int64)
        p = softmax(logits, 1)
        u = self.rng.random((len(obs), 1))
        return np.minimum((p.cumsum(1) < u).sum(1), N_ACTIONS - 1).astype(np.int64)

    def _explain_maps(self, level: Level) -> tuple[np.ndarray, np.ndarray]:
        h, w = level.height, level.width
        field = self._map_of(level)[:, :h, :w]
        arrows = softmax(field[:N_ACTIONS], 0).transpose(1, 2, 0).astype(np.float32)
        arrows[level.kind != FLOOR] = np.nan
        return field, arrows


@register
class PPOAgent(_FieldPolicy):
    """Actor-critic FieldNet trained with PPO on O_base reward (channels 0-3 logits, 4 value)."""

    kind = "ppo"
    greedy = False  # PPO's policy is the distribution it was trained as; sampling also breaks loops

    def explain(self, level: Level) -> Explanation:
        field, arrows = self._explain_maps(level)
        value = field[N_ACTIONS].astype(np.float32).copy()
        value[level.kind != FLOOR] = np.nan
        return Explanation("ppo: value of standing here, and the policy's moves", heat=value, arrows=arrows)


@register
class ClassifierAgent(_FieldPolicy):
    """Feedforward FieldNet trained by cross-entropy on the oracle's moves; no search built in."""

    kind = "classifier"

    def explain(self, level: Level) -> Explanation:
        _, arrows = self._explain_maps(level)
        confidence = np.where(level.kind == FLOOR, np.nan_to_num(arrows, nan=0.0).max(2), np.nan).astype(np.float32)
        return Explanation("classifier: its move at every cell (confidence as heat)", heat=confidence, arrows=arrows)


@register
class MesaAgent(_Learned):
    """A learned objective (a score per cell from what it holds) plus an exact planner (BFS) that
    walks a shortest path to the best-scoring object it can reach (ties: the nearer one)."""

    kind = "mesa"

    def _compute(self, static: np.ndarray) -> dict:
        kind = kinds_from_obs(static)
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
        arrows = np.full((h, w, N_ACTIONS), np.nan, np.float32)
        goal = self.goal(plan, level.start)
        if goal is not None:
            d = self._dist_to(plan, goal)
            for r, c in zip(*np.nonzero((level.kind == FLOOR) & (d[:h, :w] > 0))):
                a = greedy_action(d, (int(r), int(c)))
                if a is not None:
                    arrows[r, c] = 0
                    arrows[r, c, a] = 1
        return Explanation("mesa: its learned objective (score per cell) and its plan", heat=heat, arrows=arrows)


LEARNED_KINDS = {"ppo": PPOAgent, "classifier": ClassifierAgent, "mesa": MesaAgent}
