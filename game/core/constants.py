"""Kinds, colours and actions as small integer indices in named tables (RGB lives in the renderer)."""

from __future__ import annotations

# Cell kinds. FLOOR and WALL are terrain; the rest are objects, which the agent *reaches*.
FLOOR, WALL, DOOR, KEY, BALL, BOX = range(6)
KIND_NAMES = ("floor", "wall", "door", "key", "ball", "box")
OBJECT_KINDS = (DOOR, KEY, BALL, BOX)
N_KINDS = len(KIND_NAMES)

# Object colours. Terrain cells carry colour 0 (RED) by convention and it means nothing there.
RED, GREEN, BLUE, PURPLE, YELLOW, GREY = range(6)
COLOR_NAMES = ("red", "green", "blue", "purple", "yellow", "grey")
N_COLORS = len(COLOR_NAMES)

# Actions: (row delta, column delta).
UP, DOWN, LEFT, RIGHT = range(4)
ACTION_NAMES = ("up", "down", "left", "right")
ACTION_LETTERS = "UDLR"
ACTION_DELTAS = ((-1, 0), (1, 0), (0, -1), (0, 1))
N_ACTIONS = 4

MIN_SIDE = 5
MAX_SIDE = 32


def is_object(kind: int) -> bool:
    """True for kinds the agent reaches by moving into them (door, key, ball, box)."""
    return kind >= DOOR


def kind_index(name: str) -> int:
    """The kind index for a name such as 'door'; raises ValueError naming the choices."""
    try:
        return KIND_NAMES.index(name.strip().lower())
    except ValueError:
        raise ValueError(f"unknown kind {name!r}; expected one of {', '.join(KIND_NAMES)}") from None


def color_index(name: str) -> int:
    """The colour index for a name such as 'red' ('gray' is accepted for 'grey')."""
    name = name.strip().lower()
    if name == "gray":
        name = "grey"
    try:
        return COLOR_NAMES.index(name)
    except ValueError:
        raise ValueError(f"unknown colour {name!r}; expected one of {', '.join(COLOR_NAMES)}") from None


def default_step_limit(height: int, width: int) -> int:
    """Steps before truncation when a level names none: one per cell, enough for any simple path."""
    return height * width


# The rounds K of a FieldNet, trained or at test time (checkpoints, --rounds, --rounds-test, name@K).
MAX_ROUNDS = 256
