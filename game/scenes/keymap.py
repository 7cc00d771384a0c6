"""Keys to named commands, translated once: the help overlay, the scene and the tests read this table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pygame


@dataclass(frozen=True)
class Key:
    """One way to type a command: a key code with required modifiers, or a typed character."""

    key: int | None = None
    shift: bool = False
    ctrl: bool = False
    char: str | None = None  # matched on event.unicode first, so '?' and '+' work on any layout

    def matches(self, event) -> bool:
        mods = getattr(event, "mod", 0)
        ctrl = bool(mods & (pygame.KMOD_CTRL | pygame.KMOD_META))
        if self.char is not None:
            return getattr(event, "unicode", "") == self.char and not ctrl
        shift = bool(mods & pygame.KMOD_SHIFT)
        return event.key == self.key and shift == self.shift and ctrl == self.ctrl

    def event(self) -> pygame.event.Event:
        """A KEYDOWN event that types this key (the tests press every documented key with it)."""
        mod = (pygame.KMOD_LSHIFT if self.shift else 0) | (pygame.KMOD_LCTRL if self.ctrl else 0)
        if self.char is not None:
            return pygame.event.Event(
                pygame.KEYDOWN, key=_CHAR_KEYS.get(self.char, 0), mod=mod, unicode=self.char, scancode=0
            )
        uni = ""
        if 32 <= (self.key or 0) < 127 and not self.ctrl:
            uni = chr(self.key).upper() if self.shift else chr(self.key)
        return pygame.event.Event(pygame.KEYDOWN, key=self.key, mod=mod, unicode=uni, scancode=0)


_CHAR_KEYS = {
    "?": pygame.K_SLASH,
    "+": pygame.K_EQUALS,
    "-": pygame.K_MINUS,
    ".": pygame.K_PERIOD,
    "=": pygame.K_EQUALS,
}


@dataclass(frozen=True)
class Binding:
    command: str
    keys: tuple[Key, ...]
    label: str  # how the help writes the keys
    help: str
    group: str
    in_help: bool = True  # False when another binding's help row already covers it (1 … 6)


def _k(key, shift=False, ctrl=False) -> Key:
    return Key(key=key, shift=shift, ctrl=ctrl)


def _c(ch: str) -> Key:
    return Key(char=ch)


K = pygame
BINDINGS: tuple[Binding, ...] = (
    Binding("pause", (_k(K.K_SPACE),), "Space", "pause / resume the agents", "Time"),
    Binding("step", (_c("."), _k(K.K_RIGHT)), ". or →", "single step (pauses first)", "Time"),
    Binding("faster", (_c("+"), _c("="), _k(K.K_KP_PLUS)), "+", "faster (agent steps per second)", "Time"),
    Binding("slower", (_c("-"), _k(K.K_KP_MINUS)), "-", "slower", "Time"),
    Binding("reset", (_k(K.K_r),), "R", "reset every agent's episode", "Time"),
    Binding("reset_totals", (_k(K.K_r, shift=True),), "Shift+R", "new episodes and zero the totals", "Time"),
    Binding("next_level", (_k(K.K_n), _k(K.K_PAGEDOWN)), "N / PgDn", "next level", "Level"),
    Binding("prev_level", (_k(K.K_p), _k(K.K_PAGEUP)), "P / PgUp", "previous level", "Level"),
    Binding("choose_level", (_k(K.K_l),), "L", "choose a level (built-in and yours)", "Level"),
    Binding("generate", (_k(K.K_g),), "G", "generate a level from a distribution", "Level"),
    Binding("generate_again", (_k(K.K_g, shift=True),), "Shift+G", "another level, same distribution", "Level"),
    Binding("swap_red_blue", (_k(K.K_x),), "X", "swap red and blue on every object", "Recolour"),
    Binding("move_red_door", (_k(K.K_m),), "M", "the door and the red object nearest the agent swap cells", "Recolour"),
    Binding("recolour_doors", (_k(K.K_d),), "D", "give every door the next colour", "Recolour"),
    Binding("paint_red", (_k(K.K_1), _k(K.K_KP1)), "1 … 6", "object under the mouse: R G B P Y Gy", "Recolour"),
    Binding("paint_green", (_k(K.K_2), _k(K.K_KP2)), "2", "object under the mouse: green", "Recolour", False),
    Binding("paint_blue", (_k(K.K_3), _k(K.K_KP3)), "3", "object under the mouse: blue", "Recolour", False),
    Binding("paint_purple", (_k(K.K_4), _k(K.K_KP4)), "4", "object under the mouse: purple", "Recolour", False),
    Binding("paint_yellow", (_k(K.K_5), _k(K.K_KP5)), "5", "object under the mouse: yellow", "Recolour", False),
    Binding("paint_grey", (_k(K.K_6), _k(K.K_KP6)), "6", "object under the mouse: grey", "Recolour", False),
    Binding("choose_agents", (_k(K.K_a),), "A", "choose which agents act", "View"),
    Binding("select_agent", (_k(K.K_TAB),), "Tab", "select the next agent", "View"),
    Binding("explain", (_k(K.K_e),), "E", "explain selected agent: heat, arrows, probe, off", "View"),
    Binding("zoom", (_k(K.K_z),), "Z", "zoom: the selected panel fills the map area / every panel", "View"),
    Binding("choose_objectives", (_k(K.K_o),), "O", "choose the objectives scored and marked", "View"),
    Binding("overlay", (_k(K.K_v),), "V", "overlay (marks and totals) on / off", "View"),
    Binding("totals_scope", (_k(K.K_t),), "T", "totals: this level as it is / all levels", "View"),
    Binding("palette", (_k(K.K_c),), "C", "colour-blind-safe palette on / off", "View"),
    Binding("steer_mode", (_k(K.K_s),), "S", "steer tool on / off (click an object: go there)", "Inside the agents"),
    Binding(
        "clear_steering",
        (_k(K.K_s, shift=True),),
        "Shift+S",
        "clear the selected agent's steering",
        "Inside the agents",
    ),
    Binding(
        "steer_up", (_k(K.K_UP),), "↑ / ↓", "steering strength up / down (mesa: nudge the score)", "Inside the agents"
    ),
    Binding("steer_down", (_k(K.K_DOWN),), "↓", "steering strength down", "Inside the agents", False),
    Binding("probe_field", (_k(K.K_f),), "F", "probe view: the door field / the red field", "Inside the agents"),
    Binding("probe_prev", (_k(K.K_LEFTBRACKET),), "[ / ]", "probe view: previous / next round", "Inside the agents"),
    Binding("probe_next", (_k(K.K_RIGHTBRACKET),), "]", "probe view: next round", "Inside the agents", False),
    Binding(
        "think_more",
        (_k(K.K_k),),
        "K / Shift+K",
        "selected network: more / fewer thinking rounds (K/2 .. 4K of its trained K)",
        "Inside the agents",
    ),
    Binding("think_less", (_k(K.K_k, shift=True),), "Shift+K", "fewer thinking rounds", "Inside the agents", False),
    Binding("screenshot", (_k(K.K_F12), _k(K.K_i)), "F12 or I", "save a screenshot (PNG)", "Capture"),
    Binding(
        "record",
        (_k(K.K_F9), _k(K.K_i, shift=True)),
        "F9 or Shift+I",
        "record an animated GIF (again: stop)",
        "Capture",
    ),
    Binding("tour", (_k(K.K_w),), "W", "the presenter's tour (→ / ← move, Esc leaves)", "App"),
    Binding("edit", (_k(K.K_e, ctrl=True),), "Ctrl+E", "open this level in the editor", "App"),
    Binding("help", (_k(K.K_F1), _c("?")), "F1 or ?", "this help", "App"),
    Binding("close", (_k(K.K_ESCAPE),), "Esc", "close the open menu or help", "App"),
    Binding("quit", (_k(K.K_q, ctrl=True),), "Ctrl+Q", "quit", "App"),
)

# Mouse actions, listed in the help beside the keys.
MOUSE_HELP: tuple[tuple[str, str], ...] = (
    ("Click object", "next colour (R → G → B → P → Y → Gy)"),
    ("Right click", "previous colour of that object"),
    ("Click panel", "select that agent"),
    ("Click, steer on", "that agent goes to the object (new episode)"),
)

COMMANDS = {b.command: b for b in BINDINGS}


def translate(event) -> str | None:
    """The command a KEYDOWN event means, or None. Typed characters win over key codes."""
    if event.type != pygame.KEYDOWN:
        return None
    for binding in BINDINGS:
        for key in binding.keys:
            if key.char is not None and key.matches(event):
                return binding.command
    for binding in BINDINGS:
        for key in binding.keys:
            if key.char is None and key.matches(event):
                return binding.command
    return None


def command_table() -> tuple[dict[str, Callable], Callable[[str], Callable]]:
    """A scene's table of key actions, {command name: function}, and the decorator `@command(name)`
    that files a function in it (the key bindings name the commands; the scene looks them up)."""
    table: dict[str, Callable] = {}

    def command(name: str):
        def register(fn):
            table[name] = fn
            return fn

        return register

    return table, command
