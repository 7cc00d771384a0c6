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

from reddoor.game.core.constants import N_ACTIONS
from reddoor.game.core.generators import EVAL_SEED_BASE, distribution_problem, generate, max_side
from reddoor.game.core.level import Level
from reddoor.game.core.objectives import O_BASE
from reddoor.game.core.observation import N_CHANNELS, encode
from reddoor.game.core.world import World
from reddoor.game.levels import resolve_level
from reddoor.game.render.rgb import draw_rgb
from reddoor_gym_hook import register_envs


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
            # a file path, or a level's name: the user's own levels, then the built-in ones
            self.fixed_level = level if isinstance(level, Level) else resolve_level(str(level))
            side = max(self.fixed_level.height, self.fixed_level.width)
            self.distribution = None
        else:
            if distribution_problem(distribution):
                raise ValueError(distribution_problem(distribution))
            self.fixed_level = None
            self.distribution = distribution
            side = max_side(distribution)
        self.canvas = int(canvas or side)
        self.first_seed, self.num_seeds = int(first_seed), int(num_seeds)
        self.observation_space = spaces.Box(0, 1, (N_CHANNELS, self.canvas, self.canvas), np.uint8)
        self.action_space = spaces.Discrete(N_ACTIONS)
        self.world: World | None = None
        self.level_seed: int | None = None

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if options and "level" in options:
            level = options["level"]
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
        result = self.world.step(int(action))
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
