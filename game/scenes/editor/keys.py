"""The editor's keys: every command with its keys, help text and group, built from the tool and
mode tables and the commands below. The help overlay, `translate` and the tests read this table."""

from __future__ import annotations

import re

import pygame

from reddoor.game.core.constants import COLOR_NAMES, MAX_SIDE, MIN_SIDE, N_COLORS
from reddoor.game.scenes.keymap import Binding, Key

from .tools import MODE_TABLE, TOOL_TABLE

K = pygame


def _k(key, shift=False, ctrl=False) -> Key:
    return Key(key=key, shift=shift, ctrl=ctrl)


EDITOR_BINDINGS: tuple[Binding, ...] = (
    *(Binding(f"tool:{t.name}", (t.key,), t.key_label, t.help, "Tools") for t in TOOL_TABLE),
    *(
        Binding(
            f"colour:{i}",
            (_k(K.K_1 + i), _k(K.K_KP1 + i)),
            "1 … 6" if i == 0 else str(i + 1),
            "colour: " + " ".join(COLOR_NAMES) if i == 0 else f"colour {COLOR_NAMES[i]}",
            "Colour",
            i == 0,
        )
        for i in range(N_COLORS)
    ),
    Binding("colour_next", (_k(K.K_RIGHTBRACKET),), "]  or wheel", "next colour", "Colour"),
    Binding("colour_prev", (_k(K.K_LEFTBRACKET),), "[", "previous colour", "Colour"),
    *(Binding(f"mode:{m.name}", (m.key,), m.key_label.replace("⇧", "Shift+"), m.help, "Draw") for m in MODE_TABLE),
    Binding("undo", (_k(K.K_z, ctrl=True),), "Ctrl+Z", "undo (every edit, resize included)", "Edit"),
    Binding(
        "redo", (_k(K.K_y, ctrl=True), _k(K.K_z, shift=True, ctrl=True)), "Ctrl+Y", "redo (also Ctrl+Shift+Z)", "Edit"
    ),
    Binding("rows_more", (_k(K.K_DOWN, ctrl=True),), "Ctrl+↓ / Ctrl+↑", "one row more / fewer", "Level"),
    Binding("rows_fewer", (_k(K.K_UP, ctrl=True),), "Ctrl+↑", "one row fewer", "Level", False),
    Binding("cols_more", (_k(K.K_RIGHT, ctrl=True),), "Ctrl+→ / Ctrl+←", "one column more / fewer", "Level"),
    Binding("cols_fewer", (_k(K.K_LEFT, ctrl=True),), "Ctrl+←", "one column fewer", "Level", False),
    Binding(
        "resize", (_k(K.K_r, ctrl=True),), "Ctrl+R", f"resize: type rows x columns ({MIN_SIDE} to {MAX_SIDE})", "Level"
    ),
    Binding("new", (_k(K.K_n, ctrl=True),), "Ctrl+N", "new empty level (undoable)", "Level"),
    Binding("generate", (_k(K.K_g),), "G", "generate from a distribution with a seed", "Level"),
    Binding("generate_again", (_k(K.K_g, shift=True),), "Shift+G", "generate again with the next seed", "Level"),
    Binding("rename", (_k(K.K_n),), "N", "name the level", "Level"),
    Binding("describe", (_k(K.K_n, shift=True),), "Shift+N", "describe the level", "Level"),
    Binding("step_limit", (_k(K.K_l, ctrl=True),), "Ctrl+L", "step limit of an episode on this level", "Level"),
    Binding("reach", (_k(K.K_h),), "H", "shade floor the agent cannot reach on / off", "View"),
    Binding("palette", (_k(K.K_c),), "C", "colour-blind-safe palette on / off", "View"),
    Binding("open", (_k(K.K_o, ctrl=True),), "Ctrl+O", "open a level (yours and the built-ins)", "File"),
    Binding("save", (_k(K.K_s, ctrl=True),), "Ctrl+S", "save (a built-in level is saved as yours)", "File"),
    Binding("save_as", (_k(K.K_s, shift=True, ctrl=True),), "Ctrl+Shift+S", "save under a new name", "File"),
    Binding("try", (_k(K.K_t), _k(K.K_F5)), "T or F5", "try it: the agents play this level; Ctrl+E returns", "File"),
    Binding("help", (_k(K.K_F1), Key(char="?")), "F1 or ?", "this help", "App"),
    Binding("back", (_k(K.K_ESCAPE),), "Esc", "back to the play view (quit when opened alone)", "App"),
    Binding("quit", (_k(K.K_q, ctrl=True),), "Ctrl+Q", "quit (asks when there are unsaved edits)", "App"),
)
MOUSE_HELP: tuple[tuple[str, str], ...] = (
    ("Left button", "paint with the tool in the current draw mode"),
    ("Right button", "erase (in the current draw mode)"),
    ("Middle / Alt+click", "pick the tool and colour under the cursor"),
    ("Wheel", "next / previous colour"),
)
COMMANDS = {b.command: b for b in EDITOR_BINDINGS}
_keys = [(k.key, k.shift, k.ctrl, k.char) for b in EDITOR_BINDINGS for k in b.keys]
assert len(_keys) == len(set(_keys)), "two editor commands share a key"


def translate(event) -> str | None:
    """The editor command a KEYDOWN event means, or None. Typed characters win over key codes."""
    if event.type != pygame.KEYDOWN:
        return None
    for binding in EDITOR_BINDINGS:
        if any(k.char is not None and k.matches(event) for k in binding.keys):
            return binding.command
    for binding in EDITOR_BINDINGS:
        if any(k.char is None and k.matches(event) for k in binding.keys):
            return binding.command
    return None


def parse_size(text: str) -> tuple[int, int] | None:
    """'12x20', '12 20', '12,20' or '12' (square) -> (rows, columns), or None."""
    numbers = re.findall(r"\d+", text)
    if len(numbers) == 1:
        numbers = numbers * 2
    if len(numbers) != 2:
        return None
    return int(numbers[0]), int(numbers[1])
