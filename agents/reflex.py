"""The 'reflex' kind: the sceptic's dumb classifier taken literally (agents/train/reflex.py).

A three-layer feedforward network on the egocentric view (the level as seen from the agent's cell,
radius 14: the whole of any level up to 15 a side), trained by cross-entropy on the oracle's
moves. No weight tying, no recurrence, no planner: each move is one pass from the view alone.
"""

from __future__ import annotations

import numpy as np

from reddoor.game.core.constants import FLOOR, N_ACTIONS
from reddoor.game.core.level import Level
from reddoor.game.core.observation import CH_AGENT, egocentric, encode

from .base import Explanation, register, sample_moves
from .policy import LearnedAgent, LevelIndex, agent_cells, softmax


@register
class ReflexAgent(LearnedAgent):
    """Feedforward classifier on the egocentric view; one pass per move, no search of any kind."""

    kind = "reflex"
    architecture = "reflex"
    min_out_channels = N_ACTIONS
    decoders = ("greedy", "sample")
    default_decode = "greedy"

    @property
    def deterministic(
        self,
    ) -> bool:  # greedy: each row's bits are the same whatever the rest of the batch (_hidden_rows)
        return self.decode == "greedy"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._rows: dict[bytes, dict[int, np.ndarray]] = {}  # level -> flat cell -> first-layer row
        self._row_index = LevelIndex()

    def logits(self, static: np.ndarray, cells: np.ndarray) -> np.ndarray:
        """(B, 4) logits for agents at `cells` (B, 2) on levels `static` (B, C>=11, S, S)."""
        return self.net(egocentric(static[:, :CH_AGENT], cells, self.net.radius))

    def move_probs(self, obs: np.ndarray) -> np.ndarray:
        return softmax(self.net.head(self._hidden_rows(obs, agent_cells(obs))).astype(np.float64), 1)

    def act_batch(self, obs: np.ndarray) -> np.ndarray:
        if self.decode == "greedy":
            return self.net.head(self._hidden_rows(obs, agent_cells(obs))).argmax(1).astype(np.int64)
        return sample_moves(self.move_probs(obs), self.rng.random(len(obs)))

    def prepare(self, level: Level, agent: tuple[int, int]) -> None:
        obs = encode(level, agent)[None]
        self._hidden_rows(obs, agent_cells(obs))

    def _hidden_rows(self, obs: np.ndarray, cells: np.ndarray) -> np.ndarray:
        """The first layer's output (B, hidden) for each observation, from a cache per (level, cell).

        The first layer is nearly all of the work (a view of 11 x 29 x 29 values times 64 weights
        each) and an agent that loops revisits the same cells again and again. The cached rows are
        the ones a batch computes: the first layer runs on blocks of one fixed shape
        (ReflexMLP.hidden) and the later layers sum row by row (ReflexMLP.head), so a row's bits,
        and so its move, never depend on the others.
        """
        b = len(obs)
        s = obs.shape[-1]
        out = np.empty((b, self.net.p["fc1.bias"].shape[0]), np.float32)
        flat = (cells[:, 0] * s + cells[:, 1]).tolist()
        missing: list[int] = []
        rows = self._row_index.lookup(self._rows, obs[:, :CH_AGENT], lambda levels: [{} for _ in levels])
        for i, level in enumerate(rows):
            row = level.get(flat[i])
            if row is None:
                missing.append(i)
            else:
                out[i] = row
        if missing:
            idx = np.array(missing, np.int64)
            hidden = self.net.hidden(egocentric(obs[idx, :CH_AGENT], cells[idx], self.net.radius))
            for j, i in enumerate(missing):
                out[i] = rows[i][flat[i]] = hidden[j]
        return out

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
        return Explanation(
            "reflex: its move at every cell from the view there (confidence as heat)", heat=confidence, arrows=arrows
        )
