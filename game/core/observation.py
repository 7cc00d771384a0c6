"""The observation tensor every agent sees (layout version 1).

Shape (C, S, S) with C = 12 channels, uint8 0/1, the level at the top-left of an S x S canvas
(S >= the level's sides, 32 serves every level) and the padding marked as wall, since the edge
blocks like a wall:

    0 wall   1 door   2 key   3 ball   4 box
    5 red    6 green  7 blue  8 purple 9 yellow 10 grey   (set on object cells only)
    11 agent
"""

from __future__ import annotations

import numpy as np

from .constants import DOOR, FLOOR, MAX_SIDE, N_COLORS, WALL
from .level import Level

OBS_LAYOUT_VERSION = 1
CH_WALL = 0
CH_KIND0 = 1  # door, key, ball, box: CH_KIND0 + kind - DOOR
CH_COLOR0 = 5  # red .. grey: CH_COLOR0 + colour
CH_AGENT = 11
N_CHANNELS = 12
CHANNEL_NAMES = ("wall", "door", "key", "ball", "box", "red", "green", "blue", "purple", "yellow", "grey", "agent")

# (kind, colour) -> the static channels set on that cell, as a lookup table over channels.
_CELL_TABLE = np.zeros((6, N_COLORS, N_CHANNELS), np.uint8)
_CELL_TABLE[WALL, :, CH_WALL] = 1
for _k in range(DOOR, 6):
    _CELL_TABLE[_k, :, CH_KIND0 + _k - DOOR] = 1
    for _c in range(N_COLORS):
        _CELL_TABLE[_k, _c, CH_COLOR0 + _c] = 1


def encode_static(kind: np.ndarray, color: np.ndarray, canvas: int, out: np.ndarray | None = None) -> np.ndarray:
    """Channels 0..10 of a level on a canvas x canvas grid (the agent channel left at zero)."""
    h, w = kind.shape
    if out is None:
        out = np.zeros((N_CHANNELS, canvas, canvas), np.uint8)
    else:
        out[...] = 0
    out[CH_WALL] = 1
    out[:, :h, :w] = _CELL_TABLE[kind, color].transpose(2, 0, 1)
    return out


def encode(level: Level, agent: tuple[int, int], canvas: int | None = None) -> np.ndarray:
    """The full observation of `level` with the agent at `agent`."""
    s = canvas or max(level.height, level.width)
    if s < max(level.height, level.width) or s > MAX_SIDE * 2:
        raise ValueError(f"canvas {s} cannot hold a {level.height}x{level.width} level")
    obs = encode_static(level.kind, level.color, s)
    obs[CH_AGENT, agent[0], agent[1]] = 1
    return obs


def decode_kinds(static: np.ndarray) -> np.ndarray:
    """The (S, S) grid of cell kinds that one observation (C, S, S) shows (colours aside)."""
    kind = np.full(static.shape[1:], FLOOR, np.uint8)
    kind[static[CH_WALL] > 0] = WALL
    for k in range(DOOR, DOOR + 4):
        kind[static[CH_KIND0 + k - DOOR] > 0] = k
    return kind


def egocentric(static: np.ndarray, cells: np.ndarray, radius: int) -> np.ndarray:
    """Views centred on agents: (B, C, 2r+1, 2r+1) crops of `static` (B, C, S, S) around `cells`
    (B, 2), everything off the canvas marked as wall (as the padding is). A radius of S - 1 shows
    the whole level from any cell of it."""
    b, c, s, _ = static.shape
    v = 2 * radius + 1
    padded = np.zeros((b, c, s + 2 * radius, s + 2 * radius), static.dtype)
    padded[:, CH_WALL] = 1
    padded[:, :, radius : radius + s, radius : radius + s] = static
    # Each view is the v x v window whose top-left corner is the agent's cell of the padded map:
    # one gather of whole windows (an index per window, not per value).
    windows = np.lib.stride_tricks.sliding_window_view(padded, (v, v), axis=(2, 3))
    return windows[np.arange(b), :, cells[:, 0], cells[:, 1]]
