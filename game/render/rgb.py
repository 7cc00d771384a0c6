"""A level drawn as an RGB numpy array (for the Gymnasium env's rgb_array mode; no pygame)."""

from __future__ import annotations

import numpy as np

from reddoor.game.core.constants import BALL, BOX, DOOR, KEY, WALL
from reddoor.game.core.level import Level
from reddoor.game.render.palette import AGENT_ACCENTS, NORMAL

# The app's normal palette (game/render/palette.py is pygame-free): one home for RGB.
OBJECT_RGB = np.array(NORMAL.objects, np.uint8)
FLOOR_RGB = np.array(NORMAL.floor, np.uint8)
WALL_RGB = np.array(NORMAL.wall, np.uint8)
AGENT_RGB = np.array(AGENT_ACCENTS[0], np.uint8)


def _masks(tile: int) -> dict[int, np.ndarray]:
    y, x = np.mgrid[0:tile, 0:tile] + 0.5
    c = tile / 2
    inner = (np.abs(y - c) < tile * 0.42) & (np.abs(x - c) < tile * 0.42)
    return {
        DOOR: (np.abs(x - c) < tile * 0.36)
        & (y > tile * 0.12)
        & ~(((x - tile * 0.66) ** 2 + (y - c) ** 2) < (tile * 0.07) ** 2),
        KEY: ((x - tile * 0.35) ** 2 + (y - c) ** 2 < (tile * 0.18) ** 2)
        | ((np.abs(y - c) < tile * 0.07) & (x > tile * 0.35) & (x < tile * 0.85)),
        BALL: (x - c) ** 2 + (y - c) ** 2 < (tile * 0.36) ** 2,
        BOX: inner & ~((np.abs(y - c) < tile * 0.28) & (np.abs(x - c) < tile * 0.28)),
        -1: (x - c) ** 2 + (y - c) ** 2 < (tile * 0.3) ** 2,
    }


def draw_rgb(level: Level, agent: tuple[int, int] | None = None, tile: int = 16) -> np.ndarray:
    """An (H*tile, W*tile, 3) uint8 image of the level with the agent as a disc."""
    h, w = level.height, level.width
    img = np.empty((h, w, tile, tile, 3), np.uint8)
    img[...] = FLOOR_RGB
    img[level.kind == WALL] = WALL_RGB
    masks = _masks(tile)
    for r, c, k, col in level.objects():
        img[r, c][masks[k]] = OBJECT_RGB[col]
    if agent is not None:
        img[agent[0], agent[1]][masks[-1]] = AGENT_RGB
    return img.transpose(0, 2, 1, 3, 4).reshape(h * tile, w * tile, 3)
