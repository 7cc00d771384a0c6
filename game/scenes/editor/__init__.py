"""The level editor (game/scenes/editor/scene.py) and the parts it is built from."""

from .keys import COMMANDS, EDITOR_BINDINGS, MOUSE_HELP, parse_size, translate
from .scene import EditorScene
from .tools import MODE_TABLE, TOOL_TABLE

__all__ = [
    "COMMANDS",
    "EDITOR_BINDINGS",
    "MOUSE_HELP",
    "parse_size",
    "translate",
    "EditorScene",
    "MODE_TABLE",
    "TOOL_TABLE",
]
