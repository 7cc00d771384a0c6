"""The 'classifier' kind: a FieldNet trained by cross-entropy on the oracle's moves; no search
(agents/train/classifier.py)."""
from __future__ import annotations

import numpy as np

from game.core.constants import FLOOR
from game.core.level import Level

from .base import Explanation, register
from .policy import FieldPolicy


@register
class ClassifierAgent(FieldPolicy):
    """Feedforward FieldNet trained by cross-entropy on the oracle's moves; no search built in."""

    kind = "classifier"

    def explain(self, level: Level) -> Explanation:
        _, arrows = self._explain_maps(level)
        confidence = np.where(level.kind == FLOOR, np.nan_to_num(arrows, nan=0.0).max(2), np.nan).astype(np.float32)
        return Explanation("classifier: its move at every cell (confidence as heat)", heat=confidence, arrows=arrows)
