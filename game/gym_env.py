"""RedDoor-v0: the world as a Gymnasium env.

    import gymnasium as gym
    env = gym.make("RedDoor-v0", distribution="conflict")   # or level="paper-test" / "path/to.level"

An installed package registers RedDoor-v0 whenever Gymnasium is imported (reddoor_gym_hook.py);
from a checkout, importing this module registers it.

Observation: the (12, S, S) uint8 tensor of game/core/observation.py, S fixed at construction
(15 for the 7..15 distributions, 31 for `large`, the level's larger side for a level file).
Reward: 1.0 when the episode ends on an object satisfying `reward_objective` (default O_base).
The step limit is `truncated`; reaching an object is `terminated`. `info` carries the outcome
under every registered objective when an episode ends.
"""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from reddoor.game.core.constants import MAX_SIDE, N_ACTIONS
from reddoor.game.core.generators import EVAL_SEED_BASE, distribution_problem, generate, max_side
from reddoor.game.core.level import Level
from reddoor.game.core.objectives import O_BASE
from reddoor.game.core.observation import N_CHANNELS, encode
from reddoor.game.core.world import World
from reddoor.game.levels import resolve_level
from reddoor.game.render.rgb import draw_rgb
from reddoor_gym_hook import register_envs


def as_level(level, what: str) -> Level:
    """A Level from a Level (copied), a level file's path or a level's name (the user's levels, then
    the built-in ones); anything else is a ValueError naming `what`."""
    if isinstance(level, Level):
        return level.copy()
    if isinstance(level, (str, Path)) and str(level).strip():
        return resolve_level(str(level))
    raise ValueError(f"{what} must be a Level, a level file's path or a level's name, got {level!r}")


def as_action(action) -> int:
    """One move, 0..N_ACTIONS-1, from an int or a 0-d integer array; anything else is a ValueError."""
    a = np.asarray(action)
    if a.shape != () or not (np.issubdtype(a.dtype, np.integer) and not np.issubdtype(a.dtype, np.bool_)):
        raise ValueError(f"action {action!r}: one whole number from 0 to {N_ACTIONS - 1}")
    if not 0 <= int(a) < N_ACTIONS:
        raise ValueError(f"action {int(a)} is not one of 0..{N_ACTIONS - 1}")
    return int(a)


class RedDoorEnv(gym.Env):
    metadata = {"render_modes": ["rgb_array"], "render_fps": 8}

    def __init__(
        self,
        distribution: str = "train",
        level: str | Path | Level | None = None,
        render_mode: str | None = None,
        canvas: int | None = None,
        reward_objective: str = O_BASE.name,
        first_seed: int = 0,
        num_seeds: int = EVAL_SEED_BASE,
    ):
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode {render_mode!r}; expected None or 'rgb_array'")
        self.render_mode = render_mode
        self.reward_objective = reward_objective
        if level is not None:
            self.fixed_level = as_level(level, "level")
            side = max(self.fixed_level.height, self.fixed_level.width)
            self.distribution = None
        else:
            if distribution_problem(distribution):
                raise ValueError(distribution_problem(distribution))
            self.fixed_level = None
            self.distribution = distribution
            side = max_side(distribution)
        if canvas is not None and (
            isinstance(canvas, bool) or not isinstance(canvas, (int, np.integer)) or not side <= canvas <= 2 * MAX_SIDE
        ):
            raise ValueError(
                f"canvas {canvas!r}: a whole number from {side} (the largest level side) to {2 * MAX_SIDE}"
            )
        self.canvas = int(canvas or side)
        self.first_seed, self.num_seeds = int(first_seed), int(num_seeds)
        self.observation_space = spaces.Box(0, 1, (N_CHANNELS, self.canvas, self.canvas), np.uint8)
        self.action_space = spaces.Discrete(N_ACTIONS)
        self.world: World | None = None
        self.level_seed: int | None = None

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if options and "level" in options:
            level = as_level(options["level"], "options['level']")
            if max(level.height, level.width) > self.canvas:
                raise ValueError(
                    f"options['level']: {level.name} is {level.height}x{level.width}, larger than this env's "
                    f"canvas {self.canvas} (make the env with canvas={max(level.height, level.width)} or more)"
                )
        elif self.fixed_level is not None:
            level = self.fixed_level.copy()
        else:
            self.level_seed = self.first_seed + int(self.np_random.integers(self.num_seeds))
            level = generate(self.distribution, self.level_seed)
        self.world = World(level, self.reward_objective)
        return self._obs(), {"level_seed": self.level_seed, "level_name": level.name}

    def step(self, action):
        if self.world is None:
            raise RuntimeError("call reset() before step()")
        result = self.world.step(as_action(action))
        info = {}
        if result.outcome is not None:
            o = result.outcome
            info = {
                "reached": None if o.reached is None else (int(o.reached[0]), int(o.reached[1])),
                "scores": o.scores,
                "steps": o.steps,
                "shortest": o.shortest,
                "efficiency": o.efficiency,
            }
        return self._obs(), result.reward, result.terminated, result.truncated, info

    def _obs(self) -> np.ndarray:
        return encode(self.world.level, self.world.agent, self.canvas)

    def render(self):
        if self.render_mode == "rgb_array" and self.world is not None:
            return draw_rgb(self.world.level, self.world.agent)
        return None


register_envs()
