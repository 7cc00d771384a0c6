"""The 'reflex' kind: the sceptic's dumb classifier taken literally (agents/train/reflex.py).

A three-layer feedforward network on the egocentric view (the level as seen from the agent's cell,
radius 14: the whole of any level up to 15 a side), trained by cross-entropy on the oracle's
moves. No weight tying, no recurrence, no planner: each move is one pass from the view alone.
"""
from __future__ import annotations

import numpy as np

from game.core.constants import FLOOR, N_ACTIONS
from game.core.level import Level
from game.core.observation import CH_AGENT, egocentric, encode

from .base import Explanation, register
from .policy import LearnedAgent, agent_cells, softmax


@register
class ReflexAgent(LearnedAgent):
    """Feedforward classifier on the egocentric view; one pass per move, no search of any kind."""

    kind = "reflex"
    architecture = "reflex"
    min_out_channels = N_ACTIONS

    def logits(self, static: np.ndarray, cells: np.ndarray) -> np.ndarray:
        """(B, 4) logits for agents at `cells` (B, 2) on levels `static` (B, C>=11, S, S)."""
        return self.net(egocentric(static[:, :CH_AGENT], cells, self.net.radius))

    def act_batch(self, obs: np.ndarray) -> np.ndarray:
        return self.logits(obs, agent_cells(obs)).argmax(1).astype(np.int64)

    def _compute(self, static: np.ndarray) -> np.ndarray:
        """Logits at every floor cell of one level (for explain): (4, S, S), NaN off the floor."""
        s = static.shape[-1]
        cells = np.argwhere(np.ones((s, s), bool))
        out = self.logits(np.broadcast_to(static, (len(cells),) + static.shape), cells)
        return out.T.reshape(N_ACTIONS, s, s)

    def explain(self, level: Level) -> Explanation:
        h, w = level.height, level.width
        logits = self._per_level(encode(level, level.start)[:CH_AGENT])[:, :h, :w]
        arrows = softmax(logits, 0).transpose(1, 2, 0).astype(np.float32)
        arrows[level.kind != FLOOR] = np.nan
        confidence = np.where(level.kind == FLOOR, np.nan_to_num(arrows, nan=0.0).max(2), np.nan).astype(np.float32)
        return Explanation("reflex: its move at every cell from the view there (confidence as heat)",
                           heat=confidence, arrows=arrows)
