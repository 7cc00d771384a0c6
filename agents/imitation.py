"""The 'imitation' kind: a K-round FieldNet trained by cross-entropy on the oracle's moves
(agents/train/imitation.py). No planner and no reward, but K rounds of one shared convolution can
propagate distances along corridors: at large K it may compute something search-like, so it is
never called search-free (the search-free classifier is `reflex`). The first build called this
kind `classifier`; that name still loads."""

from __future__ import annotations

import numpy as np

from reddoor.game.core.constants import FLOOR
from reddoor.game.core.level import Level

from .base import Explanation, register
from .policy import FieldPolicy


@register
class ImitationAgent(FieldPolicy):
    """K-round FieldNet trained by cross-entropy on the oracle's moves; no planner, no reward."""

    kind = "imitation"

    def explain(self, level: Level) -> Explanation:
        _, arrows = self._explain_maps(level)
        confidence = np.where(level.kind == FLOOR, np.nan_to_num(arrows, nan=0.0).max(2), np.nan).astype(np.float32)
        return Explanation("imitation: its move at every cell (confidence as heat)", heat=confidence, arrows=arrows)
