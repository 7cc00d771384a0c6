"""B worlds stepping in lockstep on numpy arrays, with auto-reset from a pool of levels.

The pool is generated once (seeds first_seed .. first_seed + pool_size - 1 of a distribution, or
a given list of levels) and padded onto one S x S canvas with wall, so the per-step work is a few
vectorised look-ups and the observation buffer is updated in place: a step writes only the agent
channel; a reset copies one pre-encoded level. See observation.py for the channel layout.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .constants import ACTION_DELTAS, DOOR, FLOOR, N_ACTIONS, WALL
from .generators import generate
from .level import UNREACHABLE, Level
from .objectives import O_BASE, OBJECTIVES
from .observation import CH_AGENT, N_CHANNELS, encode_static

_DELTAS = np.array(ACTION_DELTAS, np.int64)


class LevelPool:
    """Levels padded onto one canvas, with their encodings, starts, limits and distance maps."""

    def __init__(self, levels: Sequence[Level], canvas: int | None = None):
        if not levels:
            raise ValueError("a level pool needs at least one level")
        side = max(max(lv.height, lv.width) for lv in levels)
        self.canvas = s = int(canvas or side)
        if s < side:
            raise ValueError(f"canvas {s} is smaller than the largest level side {side}")
        n = len(levels)
        self.levels = list(levels)
        self.kind = np.full((n, s, s), WALL, np.uint8)
        self.color = np.zeros((n, s, s), np.uint8)
        self.static = np.zeros((n, N_CHANNELS, s, s), np.uint8)
        self.start = np.zeros((n, 2), np.int64)
        self.limit = np.zeros(n, np.int64)
        self.dist = np.full((n, s, s), UNREACHABLE, np.int32)  # moves from the start
        self.door_shortest = np.zeros(n, np.int64)  # moves from the start to the nearest door
        self.nearest_shortest = np.zeros(n, np.int64)  # moves from the start to the nearest object (0: none)
        for i, lv in enumerate(levels):
            h, w = lv.height, lv.width
            self.kind[i, :h, :w] = lv.kind
            self.color[i, :h, :w] = lv.color
            encode_static(lv.kind, lv.color, s, out=self.static[i])
            self.start[i] = lv.start
            self.limit[i] = lv.effective_step_limit
            d = lv.distances()
            self.dist[i, :h, :w] = d
            doors = d[(lv.kind == DOOR) & (d != UNREACHABLE)]
            self.door_shortest[i] = int(doors.min()) if doors.size else 0
            objects = d[(lv.kind >= DOOR) & (d != UNREACHABLE)]
            self.nearest_shortest[i] = int(objects.min()) if objects.size else 0

    def __len__(self) -> int:
        return len(self.levels)

    def extended(self, levels: Sequence[Level]) -> LevelPool:
        """A new pool: this one's levels then `levels` (encoded on the same canvas); this pool is
        left as it was. The new levels' indices are len(self) ... len(self) + len(levels) - 1."""
        more = LevelPool(levels, self.canvas)
        out = LevelPool.__new__(LevelPool)
        for name, value in vars(self).items():  # every per-level array, whatever the pool holds
            setattr(out, name, np.concatenate([value, getattr(more, name)]) if isinstance(value, np.ndarray) else value)
        out.levels = self.levels + more.levels
        return out

    @classmethod
    def from_distribution(
        cls, distribution: str, size: int, first_seed: int = 0, canvas: int | None = None
    ) -> LevelPool:
        return cls([generate(distribution, first_seed + i) for i in range(size)], canvas)


class BatchedEnv:
    """B independent episodes stepped together; finished ones restart at once on a new pool level."""

    def __init__(
        self,
        distribution: str | Sequence[Level] | LevelPool,
        num_envs: int,
        seed: int = 0,
        *,
        pool_size: int = 4096,
        first_seed: int = 0,
        canvas: int | None = None,
        reward_objective: str = O_BASE.name,
        draw: str = "random",
    ):
        if isinstance(distribution, LevelPool):
            self.pool = distribution
        elif isinstance(distribution, str):
            self.pool = LevelPool.from_distribution(distribution, pool_size, first_seed, canvas)
        else:
            self.pool = LevelPool(list(distribution), canvas)
        if draw not in ("random", "sequential"):
            raise ValueError(f"draw must be 'random' or 'sequential', not {draw!r}")
        self.num_envs = b = int(num_envs)
        self.canvas = s = self.pool.canvas
        self.draw = draw
        self.rng = np.random.default_rng(seed)
        self.reward_table = OBJECTIVES[reward_objective].table.astype(np.float32)
        self.objective_tables = {name: obj.table for name, obj in OBJECTIVES.items()}
        self.obs = np.zeros((b, N_CHANNELS, s, s), np.uint8)
        self.level_index = np.zeros(b, np.int64)
        self.agent_pos = np.zeros((b, 2), np.int64)
        self.steps = np.zeros(b, np.int64)
        self._next_sequential = 0
        self._arange = np.arange(b)
        self.draw_from: np.ndarray | None = None  # random draws: only these pool indices (None: any)

    # -- episodes ----------------------------------------------------------------------------
    def _draw_levels(self, n: int) -> np.ndarray:
        if self.draw == "random":
            if self.draw_from is not None:
                return self.draw_from[self.rng.integers(0, len(self.draw_from), size=n)]
            return self.rng.integers(0, len(self.pool), size=n)
        idx = (self._next_sequential + np.arange(n)) % len(self.pool)
        self._next_sequential += n
        return idx

    def _start(self, envs: np.ndarray) -> None:
        idx = self._draw_levels(len(envs))
        self.level_index[envs] = idx
        self.obs[envs] = self.pool.static[idx]
        start = self.pool.start[idx]
        self.agent_pos[envs] = start
        self.obs[envs, CH_AGENT, start[:, 0], start[:, 1]] = 1
        self.steps[envs] = 0

    def reset(self, seed: int | None = None) -> np.ndarray:
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self._next_sequential = 0
        self._start(self._arange)
        return self.obs

    def switch_levels(self, envs: np.ndarray, levels: Sequence[Level]) -> None:
        """Mid-episode, episode `envs[i]` goes on in `levels[i]` (a changed copy of its level, the
        same size): the agent keeps its cell and step count, the observation shows the new level
        at once, and the step limit is the new level's. The pool grows by these levels (a new
        LevelPool object: a pool passed in by the caller is not changed). The agent's cell must be
        floor in its new level."""
        envs = np.asarray(envs, np.int64)
        if len(envs) != len(levels):
            raise ValueError(f"{len(envs)} episodes but {len(levels)} levels")
        if not len(envs):
            return
        first = len(self.pool)
        self.pool = self.pool.extended(levels)
        idx = first + np.arange(len(envs))
        pos = self.agent_pos[envs]
        if (self.pool.kind[idx, pos[:, 0], pos[:, 1]] != FLOOR).any():
            raise ValueError("an agent's cell is not floor in its new level")
        self.level_index[envs] = idx
        self.obs[envs] = self.pool.static[idx]
        self.obs[envs, CH_AGENT, pos[:, 0], pos[:, 1]] = 1

    def step(self, actions: np.ndarray):
        actions = np.asarray(actions, np.int64)
        if actions.shape != (self.num_envs,) or (actions.size and (actions.min() < 0 or actions.max() >= N_ACTIONS)):
            raise ValueError(f"actions must be {self.num_envs} integers in 0..{N_ACTIONS - 1}")
        pool, envs, s = self.pool, self._arange, self.canvas
        lvl = self.level_index
        old = self.agent_pos
        new = old + _DELTAS[actions]
        inside = (new >= 0).all(1) & (new < s).all(1)
        nr, nc = np.clip(new[:, 0], 0, s - 1), np.clip(new[:, 1], 0, s - 1)
        kind = pool.kind[lvl, nr, nc]
        moved = inside & (kind != WALL)
        self.obs[envs, CH_AGENT, old[:, 0], old[:, 1]] = 0
        pos = np.where(moved[:, None], np.stack([nr, nc], 1), old)
        self.agent_pos = pos
        self.obs[envs, CH_AGENT, pos[:, 0], pos[:, 1]] = 1
        self.steps += 1
        terminated = moved & (kind >= DOOR)
        truncated = ~terminated & (self.steps >= pool.limit[lvl])
        done = terminated | truncated
        colour = pool.color[lvl, nr, nc]
        reached_kind = np.where(terminated, kind.astype(np.int64), -1)
        reached_color = np.where(terminated, colour.astype(np.int64), -1)
        reward = np.where(terminated, self.reward_table[kind, colour], np.float32(0)).astype(np.float32)
        info = {
            "done": done,
            "reached_kind": reached_kind,
            "reached_color": reached_color,
            "steps": self.steps.copy(),
            "level_index": lvl.copy(),
        }
        if done.any():
            shortest = np.where(terminated, pool.dist[lvl, pos[:, 0], pos[:, 1]], pool.door_shortest[lvl])
            info["shortest"] = shortest.astype(np.int64)
            at_nearest = terminated & (shortest == pool.nearest_shortest[lvl])
            info["scores"] = {
                name: (terminated & t[kind, colour] & (at_nearest if OBJECTIVES[name].nearest else True)).astype(
                    np.float32
                )
                for name, t in self.objective_tables.items()
            }
            self._start(np.flatnonzero(done))
        else:
            info["shortest"] = np.zeros(self.num_envs, np.int64)
            info["scores"] = {name: np.zeros(self.num_envs, np.float32) for name in self.objective_tables}
        return self.obs, reward, terminated, truncated, info
