"""The 'ppo' kind: a FieldNet actor-critic trained with PPO on O_base reward (agents/train/ppo.py)."""

from __future__ import annotations

import numpy as np

from reddoor.game.core.constants import FLOOR, N_ACTIONS
from reddoor.game.core.level import Level

from .base import Explanation, register
from .policy import FieldPolicy


@register
class PPOAgent(FieldPolicy):
    """Actor-critic FieldNet trained with PPO on O_base reward: a move distribution and a value at every cell."""

    kind = "ppo"
    min_out_channels = N_ACTIONS + 1  # the value head is channel 4
    default_decode = "sample"  # PPO's policy is the distribution it was trained as

    def explain(self, level: Level) -> Explanation:
        field, arrows = self._explain_maps(level)
        value = field[N_ACTIONS].astype(np.float32).copy()
        value[level.kind != FLOOR] = np.nan
        return Explanation("ppo: value of standing here, and the policy's moves", heat=value, arrows=arrows)
