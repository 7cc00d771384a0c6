"""The play view (game/scenes/play/scene.py) and the parts it is built from."""

from .commands import COMMANDS, SPEEDS
from .layout import Layout, PanelLayout, compute_layout
from .roster import build_roster, failure_message, known_kinds, load_agent, unique_names
from .scene import PlayScene

__all__ = [
    "COMMANDS",
    "SPEEDS",
    "Layout",
    "PanelLayout",
    "compute_layout",
    "build_roster",
    "failure_message",
    "known_kinds",
    "load_agent",
    "unique_names",
    "PlayScene",
]
