"""The play view (game/scenes/play/scene.py) and the parts it is drawn from; its state and the
keys' actions are the play model, game/model/ (no pygame)."""

from .commands import COMMANDS, SPEEDS
from .layout import Layout, PanelLayout, compute_layout
from .scene import PlayScene

__all__ = [
    "COMMANDS",
    "SPEEDS",
    "Layout",
    "PanelLayout",
    "compute_layout",
    "PlayScene",
]
