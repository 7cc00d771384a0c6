"""Drawing the look inside the agents onto a panel's board and into the sidebar, from the read-only
`PlayView`: the probe view's decoded field, the steered object's target mark, mesa's learned score
on every object. The state behind it is steering.py; drawing never changes state."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pygame

from reddoor.game.core.constants import COLOR_NAMES, DOOR, KIND_NAMES
from reddoor.game.model.steering import PROBE_FIELDS, PROBE_R2_ON
from reddoor.game.render.board import heat_ramp
from reddoor.game.render.text import draw_text, line_height, text_width, wrap

from .layout import MIN_FONT, PanelLayout

if TYPE_CHECKING:
    from .panels import PlayView


def draw_probe_layer(surface, renderer, panel: PanelLayout, view: PlayView, caption: bool = False) -> None:
    """The decoded field as heat, near = hot (the heat ramp's high end); with `caption` (no header
    line or sidebar shows it) the round and R² across the board's top."""
    frame = view.probe
    if frame is None:
        return
    if frame.heat is not None:
        layer = renderer.explain_layer(
            frame.key,
            -np.asarray(frame.heat, np.float64),
            None,
            panel.tile,
            view.palette,
            objects=view.level.kind >= DOOR,
        )
        if layer is not None:
            surface.blit(layer, panel.board.topleft)
    if not caption:
        return
    fs = max(MIN_FONT, min(14, panel.tile // 2 + 4))
    lines = wrap(frame.caption(), fs, max(20, panel.board.w - 8))[:3]
    strip = pygame.Rect(panel.board.left, panel.board.top, panel.board.w, len(lines) * line_height(fs) + 4)
    shade = pygame.Surface(strip.size, pygame.SRCALPHA)
    shade.fill((10, 11, 15, 215))
    surface.blit(shade, strip.topleft)
    ink = view.palette.text if frame.heat is not None else view.palette.warn
    for j, line in enumerate(lines):
        draw_text(surface, line, (strip.left + 4, strip.top + 2 + j * line_height(fs)), fs, ink, max_width=strip.w - 8)


def draw_steer_target(surface, panel: PanelLayout, view: PlayView, i: int) -> None:
    """A target (two rings and a cross) on the cell the agent of panel `i` is steered to."""
    steering = getattr(view.runs[i].agent, "steering", None)
    if steering is None or panel.tile < 4:
        return
    (r, c), _ = steering
    if not (0 <= r < view.level.height and 0 <= c < view.level.width):
        return
    t = panel.tile
    centre = (panel.board.left + c * t + t // 2, panel.board.top + r * t + t // 2)
    accent, width = view.accent(i), max(2, t // 10)
    pygame.draw.circle(surface, (10, 10, 14), centre, max(3, int(t * 0.62)), width + 2)
    pygame.draw.circle(surface, accent, centre, max(3, int(t * 0.62)), width)
    arm = max(3, int(t * 0.8))
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        start = (centre[0] + dx * int(t * 0.5), centre[1] + dy * int(t * 0.5))
        pygame.draw.line(surface, accent, start, (centre[0] + dx * arm, centre[1] + dy * arm), width)


def draw_object_scores(surface, panel: PanelLayout, view: PlayView) -> None:
    """mesa's learned score (plus any nudge) printed on every object, on a dark tag at its foot."""
    if not view.scores or panel.tile < 16:
        return
    t = panel.tile
    fs = max(MIN_FONT, min(15, t // 3 + 2))
    for (r, c), value in view.scores.items():
        text = f"{value:.1f}"
        w, h = text_width(text, fs, True) + 4, line_height(fs)
        tag = pygame.Rect(0, 0, w, h)  # straddling the cell's foot: the object's colour and letter stay in sight
        tag.midtop = (panel.board.left + c * t + t // 2, panel.board.top + (r + 1) * t - h // 2)
        tag.clamp_ip(panel.board)
        pygame.draw.rect(surface, (10, 11, 15), tag, border_radius=3)
        ink = view.palette.good if value == max(view.scores.values()) else view.palette.text
        draw_text(surface, text, tag.center, fs, ink, anchor="center", bold=True)


def draw_heat_scale(surface, x: int, y: int, width: int, low: str, high: str, size: int, line_h: int, pal) -> int:
    """The heat map's colour ramp across `width` between its two end labels (low left, high right);
    returns the y below it."""
    lo_w, hi_w = text_width(low, size) + 6, text_width(high, size) + 6
    bar = pygame.Rect(x + lo_w, y + 3, max(1, width - lo_w - hi_w), max(6, line_h - 6))
    surface.blit(heat_ramp(bar.w, bar.h, pal), bar)
    draw_text(surface, low, (x, y), size, pal.text_dim)
    draw_text(surface, high, (x + width, y), size, pal.text_dim, anchor="topright")
    return y + line_h + 2


def draw_probe_legend(surface, x: int, y: int, width: int, sfs: int, bottom: int, view: PlayView) -> int:
    """In the sidebar: what the probe view shows, its round and R², and the colour scale far → near."""
    frame, pal = view.probe, view.palette
    slh = line_height(sfs)
    if frame is None:
        return y
    if frame.heat is not None and y + slh < bottom:  # the colour scale first: without it the map is unreadable
        heat = np.asarray(frame.heat, np.float64)
        finite = heat[np.isfinite(heat)]
        far, near = (f"far {finite.max():.0f}", f"near {finite.min():.0f}") if finite.size else ("far", "near")
        y = draw_heat_scale(surface, x, y, width, far, near, sfs, slh, pal)
    target = "door" if frame.field == "door" else "red object"
    r2 = "not in the file" if frame.r2 is None else f"{frame.r2:.2f}"
    text = (
        f"The {frame.field} field, round {frame.round}/{frame.rounds}, R² on held-out {PROBE_R2_ON} levels "
        f"{r2}: decoded moves to the nearest {target}, read by a linear probe from the hidden state "
        f"after round {frame.round}. F: {' / '.join(PROBE_FIELDS)} field · [ ]: rounds"
        if frame.heat is not None
        else frame.caption()
    )
    for line in wrap(text, sfs, width)[:5]:
        if y + slh > bottom:
            return y
        draw_text(surface, line, (x, y), sfs, pal.text if frame.heat is not None else pal.warn)
        y += slh
    return y


def score_line(view: PlayView) -> str | None:
    """The sidebar's 'on the objects' line from mesa's learned scores, highest first."""
    if not view.scores:
        return None
    lv = view.level
    values = sorted(
        ((v, f"{COLOR_NAMES[lv.color[cell]]} {KIND_NAMES[lv.kind[cell]]}") for cell, v in view.scores.items()),
        reverse=True,
    )
    return "score (learned + nudge): " + ", ".join(f"{name} {v:.1f}" for v, name in values[:5])
