"""The play view's sidebar, drawn into its rect from the read-only `PlayView`: the level (with a
description made from its objects as they are now), the running totals and the legend."""

from __future__ import annotations

import numpy as np
import pygame

from reddoor.game.core.constants import COLOR_NAMES, KIND_NAMES
from reddoor.game.core.describe import describe_objects
from reddoor.game.model.steering import EXPLAIN_MODES, explanation_text
from reddoor.game.render.board import draw_mark_swatch
from reddoor.game.render.palette import COLOR_MARKERS
from reddoor.game.render.text import draw_text, elide, line_height, text_width, wrap

from .inside import draw_heat_scale, draw_probe_legend, score_line
from .layout import MIN_FONT
from .panels import PlayView, short_label


def clip_lines(lines: list[str], most: int, size: int, width: int) -> list[str]:
    """At most `most` wrapped lines; the last ends in '…' when some were left out."""
    if len(lines) <= most:
        return lines
    return lines[: most - 1] + [elide(lines[most - 1] + " " + lines[most], size, width)]


def score_columns(view_shown) -> list[str]:
    """The overlay's column titles: episodes, one per objective shown, neither, timeouts."""
    return ["ep"] + [short_label(o) for o in view_shown] + ["neither", "t/o"]


def score_rows(runs, shown, all_levels: bool = False) -> list[tuple[str, list[int]]]:
    """What the totals table shows, one row per agent (the drawing reads exactly this)."""
    rows = []
    for i, run in enumerate(runs):
        t = run.all_tally if all_levels else run.tally
        rows.append((f"{i + 1} {run.name}", [t.episodes] + [t.hit(o.name) for o in shown] + [t.neither, t.timeouts]))
    return rows


def draw_sidebar(surface, side: pygame.Rect, fs: int, view: PlayView) -> None:
    pal = view.palette
    pygame.draw.rect(surface, pal.panel, side)
    pygame.draw.line(surface, pal.panel_edge, side.topleft, side.bottomleft)
    x, y, width = side.left + 12, side.top + 8, side.w - 24
    bottom = side.bottom - 4
    small = max(MIN_FONT, fs - 2)
    lv = view.level
    draw_text(surface, lv.name, (x, y), fs + 3, pal.text, bold=True, max_width=width)
    y += line_height(fs + 3)
    meta = f"{lv.height}×{lv.width}, step limit {lv.effective_step_limit}" + (f", {view.where}" if view.where else "")
    draw_text(surface, meta, (x, y), small, pal.text_dim, max_width=width)
    y += line_height(small)
    # What is on the level now (true after any recolour); the author's words while they still hold.
    lines = clip_lines(wrap(describe_objects(lv), small, width), 3, small, width)
    if view.original_description and lv.description:
        # The level's story wraps in full where the sidebar has room (a sixth of its lines), else it is cut with '…'.
        story_most = max(3, side.h // line_height(small) // 6)
        lines += clip_lines(wrap(lv.description, small, width), story_most, small, width)
    for j, line in enumerate(lines):
        draw_text(surface, line, (x, y), small, pal.text if j == 0 else pal.text_dim, max_width=width)
        y += line_height(small)
    for problem in lv.problems()[:2]:
        draw_text(surface, str(problem), (x, y), small, pal.warn, max_width=width)
        y += line_height(small)
    y = draw_scoreboard(surface, x, y + 6, width, fs, view) + 8
    if y + line_height(fs) < bottom:
        y = draw_legend(surface, x, y, width, fs, bottom, view)
    if y + line_height(fs) < bottom:
        draw_text(surface, "F1 or ?: every key", (x, bottom - line_height(small)), small, pal.text_dim, max_width=width)


def draw_scoreboard(surface, x: int, y: int, width: int, fs: int, view: PlayView) -> int:
    """One block per agent: its name on a line, then per column the share (big) and the count."""
    pal = view.palette
    cols = score_columns(view.shown)
    title = "Totals, all levels" if view.all_levels else "Totals, this level as it is"
    draw_text(surface, title, (x, y), fs, pal.text, bold=True, max_width=width)
    y += line_height(fs)
    draw_text(
        surface,
        ("T: this level only" if view.all_levels else "T: all levels") + " · Shift+R zeroes",
        (x, y),
        max(MIN_FONT, fs - 3),
        pal.text_dim,
        max_width=width,
    )
    y += line_height(max(MIN_FONT, fs - 3)) + 2
    # The biggest font (never under MIN_FONT) at which every column fits the sidebar's width.
    for sfs in range(fs - 1, MIN_FONT - 1, -1):
        col_ws = [max(text_width(c, sfs, True), text_width("100%", sfs), text_width("9999", sfs)) + 8 for c in cols]
        if sum(col_ws) <= width:
            break
    slh = line_height(sfs)
    scale = width / max(1, sum(col_ws))
    rights, cx = [], x
    for cw in col_ws:
        cx += int(cw * scale)
        rights.append(min(x + width, cx))
    for j, label in enumerate(cols):
        ink = pal.marks[(j - 1) % len(pal.marks)] if 1 <= j <= len(view.shown) else pal.text_dim
        draw_text(surface, label, (rights[j], y), sfs, ink, anchor="topright", bold=True)
    y += slh + 2
    pygame.draw.line(surface, pal.panel_edge, (x, y - 1), (x + width, y - 1))
    for i, (name, values) in enumerate(score_rows(view.runs, view.shown, view.all_levels)):
        block = 3 * slh + 2
        if i == view.selected:
            pygame.draw.rect(surface, (44, 48, 60), (x - 4, y, width + 8, block))
        draw_text(surface, name, (x, y), sfs, view.accent(i), bold=True, max_width=width)
        episodes = values[0]
        for j, v in enumerate(values):
            if j == 0:
                draw_text(surface, str(v), (rights[j], y + slh), sfs, pal.text, anchor="topright")
                continue
            share = f"{100 * v / episodes:.0f}%" if episodes else "–"
            draw_text(surface, share, (rights[j], y + slh), sfs, pal.text, anchor="topright", bold=bool(episodes))
            draw_text(surface, str(v), (rights[j], y + 2 * slh), sfs, pal.text_dim, anchor="topright")
        y += block
    return y


def draw_legend(surface, x: int, y: int, width: int, fs: int, bottom: int, view: PlayView) -> int:
    pal = view.palette
    sfs = max(MIN_FONT, fs - 2)
    slh = line_height(sfs)
    sw = max(12, slh)
    if view.shown:
        draw_text(surface, "Marked on the map", (x, y), fs, pal.text, bold=True)
        y += line_height(fs) + 2
        for i, obj in enumerate(view.shown):
            if y + sw > bottom:
                return y
            draw_mark_swatch(surface, pygame.Rect(x, y, sw, sw), i, pal)
            draw_text(surface, obj.label, (x + sw + 8, y + (sw - slh) // 2), sfs, pal.text, max_width=width - sw - 8)
            y += sw + 3
        y += 6
    if y + 2 * slh > bottom:
        return y
    draw_text(surface, "Colours (letter on every object)", (x, y), fs, pal.text, bold=True, max_width=width)
    y += line_height(fs) + 2
    cx = x
    for c, name in enumerate(COLOR_NAMES):
        label = f"{COLOR_MARKERS[c]} {name}"
        wlabel = sw + 4 + text_width(label, sfs) + 12
        if cx + wlabel > x + width:
            cx, y = x, y + sw + 3
        pygame.draw.rect(surface, pal.object_rgb(c), (cx, y, sw, sw), border_radius=3)
        draw_text(surface, label, (cx + sw + 4, y + (sw - slh) // 2), sfs, pal.text)
        cx += wlabel
    y += sw + 9
    if y + 3 * slh < bottom:
        draw_text(surface, "Agents", (x, y), fs, pal.text, bold=True)
        y += line_height(fs) + 2
        for line in wrap(
            "▲ points where the agent last moved; the line is its path this episode; "
            "a ring when the episode ends: green = O_base met, red = not.",
            sfs,
            width,
        ):
            if y + slh > bottom - slh:
                break
            draw_text(surface, line, (x, y), sfs, pal.text_dim)
            y += slh
        y += 8
    expl = view.explanation
    if expl is not None and y + 3 * slh < bottom and view.runs:
        run = view.runs[view.selected]
        draw_text(
            surface,
            f"Explain ({EXPLAIN_MODES[view.explain_mode]}): {run.name}",
            (x, y),
            fs,
            pal.text,
            bold=True,
            max_width=width,
        )
        y += line_height(fs)
        for line in [] if view.probe is not None else wrap(explanation_text(run.agent, expl), sfs, width)[:2]:
            draw_text(surface, line, (x, y), sfs, pal.text_dim)
            y += slh
        if EXPLAIN_MODES[view.explain_mode] == "probe":
            y = draw_probe_legend(surface, x, y, width, sfs, bottom, view)
        elif EXPLAIN_MODES[view.explain_mode] == "heat map" and expl.heat is not None:
            heat = np.asarray(expl.heat, np.float64)
            finite = np.isfinite(heat)
            lo, hi = (f"{heat[finite].min():.2g}", f"{heat[finite].max():.2g}") if finite.any() else ("low", "high")
            y = draw_heat_scale(surface, x, y, width, lo, hi, sfs, slh, pal)
            for line in wrap(score_line(view) or object_values(view.level, heat), sfs, width)[:2]:
                if y + slh > bottom:
                    break
                draw_text(surface, line, (x, y), sfs, pal.text)
                y += slh
    return y


def object_values(level, heat) -> str:
    """The heat map's number on each object, highest first: what a learned objective scores them."""
    values = sorted(
        (
            (float(heat[r, c]), f"{COLOR_NAMES[col]} {KIND_NAMES[k]}")
            for r, c, k, col in level.objects()
            if np.isfinite(heat[r, c])
        ),
        reverse=True,
    )
    return "on the objects: " + (", ".join(f"{name} {v:.2g}" for v, name in values[:5]) or "none")
