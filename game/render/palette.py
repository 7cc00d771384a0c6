"""RGB for every colour index and every part of the view: a normal palette and a colour-blind-safe one.

RGB lives only here (game/core speaks in colour indices). Switching palette changes pixels, never
the world; every tile cache keys on the palette's name. Each object colour also has a letter
marker, so red against blue reads without colour at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from reddoor.game.core.constants import COLOR_NAMES, N_COLORS

RGB = tuple[int, int, int]

# One letter (or two) per colour index, drawn on every object: the story must not depend on hue.
COLOR_MARKERS: tuple[str, ...] = ("R", "G", "B", "P", "Y", "Gy")
assert len(COLOR_MARKERS) == N_COLORS == len(COLOR_NAMES)


# Agents: accent colours for tokens, trails and score rows. Chosen to stay apart from each other;
# each agent also has a number and a token shape, so none of this depends on hue either.
AGENT_ACCENTS: tuple[RGB, ...] = (
    (255, 255, 255),
    (0, 220, 210),
    (255, 160, 40),
    (230, 120, 255),
    (150, 230, 90),
    (255, 110, 150),
)


@dataclass(frozen=True)
class Palette:
    """Every colour the renderer uses; `objects[colour_index]` is an object's body colour."""

    name: str
    objects: tuple[RGB, ...]
    background: RGB = (18, 19, 24)
    floor: RGB = (38, 40, 48)
    floor_line: RGB = (52, 55, 64)
    wall: RGB = (112, 116, 128)
    wall_edge: RGB = (84, 87, 98)
    panel: RGB = (28, 30, 37)
    panel_edge: RGB = (60, 64, 76)
    selected: RGB = (250, 250, 250)
    text: RGB = (232, 234, 240)
    text_dim: RGB = (150, 155, 168)
    good: RGB = (90, 215, 120)
    bad: RGB = (240, 110, 100)
    warn: RGB = (240, 200, 80)
    # Objective marks on the map: o_base, o_alt, then any other objective the user shows.
    marks: tuple[RGB, ...] = ((255, 215, 0), (255, 70, 220), (0, 230, 230), (160, 255, 90), (255, 150, 60))
    # Heat map ramp, low to high (drawn translucent over the level).
    heat_low: RGB = (34, 30, 110)
    heat_high: RGB = (90, 255, 200)  # mint: unlike every mark colour, so a badge never hides in a frame
    arrow: RGB = (245, 245, 245)
    # Agents' tokens, trails and score rows, one per agent in order (cycled).
    agents: tuple[RGB, ...] = AGENT_ACCENTS

    def object_rgb(self, colour: int) -> RGB:
        return self.objects[colour]

    def agent_rgb(self, index: int) -> RGB:
        return self.agents[index % len(self.agents)]

    def marker_ink(self, colour: int) -> RGB:
        """Black or white, whichever reads better on this colour (WCAG relative luminance)."""
        return (15, 15, 20) if luminance(self.objects[colour]) > 0.30 else (250, 250, 250)


def luminance(rgb: RGB) -> float:
    def chan(v: int) -> float:
        v = v / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (chan(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


NORMAL = Palette(
    "normal",
    objects=((228, 45, 45), (46, 180, 80), (50, 110, 245), (150, 80, 215), (236, 204, 48), (158, 158, 158)),
)

# Okabe & Ito (2008): vermillion, bluish green, blue, reddish purple, yellow; grey kept light so
# it never reads as wall. Vermillion against blue stays apart under every common colour blindness.
COLORBLIND = Palette(
    "colorblind",
    objects=((213, 94, 0), (0, 158, 115), (0, 114, 178), (204, 121, 167), (240, 228, 66), (185, 185, 185)),
    marks=((255, 255, 255), (230, 159, 0), (86, 180, 233), (160, 255, 90), (255, 150, 60)),
    # No orange beside the vermillion "red": every accent is light, and apart from each object colour
    # under protanopia, deuteranopia and tritanopia alike (tests/test_scenes.py measures it).
    agents=((255, 255, 255), (120, 230, 255), (255, 200, 235), (200, 245, 120), (190, 170, 255), (255, 240, 170)),
)

PALETTES = {p.name: p for p in (NORMAL, COLORBLIND)}
