"""What the play view draws, each part into its own rect from a read-only `PlayView` of the state:
an agent's panel (header and board), the status line and the help. Drawing never changes state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pygame

from reddoor.agents.base import Explanation
from reddoor.game.core.constants import COLOR_NAMES, DOOR, KIND_NAMES
from reddoor.game.core.level import Level
from reddoor.game.core.objectives import O_ALT, O_BASE, Objective
from reddoor.game.core.world import Outcome
from reddoor.game.model.play import short_label
from reddoor.game.model.steering import EXPLAIN_MODES, steered_text
from reddoor.game.render.board import BoardRenderer
from reddoor.game.render.palette import COLOR_MARKERS, Palette
from reddoor.game.render.text import draw_text, line_height, text_width
from reddoor.game.scenes.keymap import BINDINGS, MOUSE_HELP
from reddoor.game.scenes.widgets import draw_key_help

from . import inside
from .layout import Layout, PanelLayout


@dataclass(frozen=True)
class PlayView:
    """The play view's state as the drawing code may read it (built once per frame)."""

    level: Level
    runs: tuple  # AgentRun, read only
    palette: Palette
    shown: tuple[Objective, ...]
    overlay: bool
    selected: int
    explain_mode: int
    explanation: Explanation | None
    explain_version: int
    ready: Callable[[object], bool]
    hover: tuple[int, int] | None
    all_levels: bool  # the sidebar shows the all-levels totals
    where: str  # "built-in", "your level" or ""
    original_description: bool  # the level is as its file has it: the author's description holds
    status: str
    speed_text: str
    paused: bool
    recording: float | None  # seconds recorded, while recording
    writing_gif: bool
    steer_on: bool = False  # the steer tool is on: a click on an object retargets
    probe: object = None  # steering.ProbeFrame of the selected agent, in the probe view
    scores: dict | None = None  # the selected mesa agent's score per object cell (learned + nudge)

    def accent(self, i: int):
        return self.palette.agent_rgb(i)

    def mark_rgb(self, objective: Objective):
        """The colour an objective is marked with (its place among those shown), text colour if not shown."""
        for i, o in enumerate(self.shown):
            if o.name == objective.name:
                return self.palette.marks[i % len(self.palette.marks)]
        return self.palette.text


def describe_outcome(outcome: Outcome | None) -> str:
    if outcome is None:
        return "no episode yet"
    if outcome.reached is None:
        return f"timeout after {outcome.steps} steps"
    k, c, _ = outcome.reached
    return f"{COLOR_NAMES[c]} {KIND_NAMES[k]} in {outcome.steps} steps"


def verdicts(outcome: Outcome) -> tuple[str, ...]:
    """How an ended episode reads in a header, longest first: the first that fits is drawn."""
    if outcome.reached is None:
        return ("timeout", "t/o")
    k, c, _ = outcome.reached
    return (
        f"reached {COLOR_NAMES[c]} {KIND_NAMES[k]}",
        f"{COLOR_NAMES[c]} {KIND_NAMES[k]}",
        f"{COLOR_MARKERS[c]} {KIND_NAMES[k]}",
    )


def first_fitting(candidates, size: int, width: int, bold: bool = False) -> str:
    """The first of `candidates` that fits `width` whole; the last one (to be elided) if none does."""
    return next((t for t in candidates if text_width(t, size, bold) <= width), candidates[-1])


def draw_fitting(
    surface, candidates, pos, size: int, rgb, width: int, anchor: str = "topleft", bold=False
) -> pygame.Rect:
    return draw_text(
        surface, first_fitting(candidates, size, width, bold), pos, size, rgb, anchor=anchor, bold=bold, max_width=width
    )


def draw_agent_panel(
    surface, renderer: BoardRenderer, layout: Layout, i: int, panel: PanelLayout, view: PlayView
) -> None:
    """Agent `i`: its header (name, state, last episode, the marks it scored) and its board."""
    pal, accent, rect = view.palette, view.accent(i), panel.rect
    pygame.draw.rect(surface, pal.panel, rect, border_radius=5)
    pygame.draw.rect(
        surface, accent if i == view.selected else pal.panel_edge, rect, 2 if i == view.selected else 1, border_radius=5
    )
    clip = surface.get_clip()
    surface.set_clip(rect.clip(clip))
    if layout.lh >= 8:
        _draw_header(surface, layout, i, rect, view)
    surface.set_clip(clip)
    if panel.tile <= 0:
        return
    _draw_board(surface, renderer, i, panel, view)


def _draw_header(surface, layout: Layout, i: int, rect: pygame.Rect, view: PlayView) -> None:
    pal, run, fs, sfs, lh = view.palette, view.runs[i], layout.fs, layout.small, layout.lh
    accent = view.accent(i)
    x, y, width = rect.left + 8, rect.top + 3, rect.w - 16
    # Line 1: the agent's number, token and name; its current episode on the right.
    BoardRenderer.draw_token(surface, (x - (lh - 2) // 4, y + 1), lh - 2, (0, 0), 3, accent)
    w = run.world
    if run.error:
        states, ink = ("stopped (error)", "stopped"), pal.bad
    elif not view.ready(run):
        states, ink = ("looking at the level …", "looking …"), pal.warn
    elif w.done and w.outcome is not None:
        states, ink = verdicts(w.outcome), pal.good if w.outcome.scores.get(O_BASE.name) else pal.bad
    else:
        states, ink = (
            (f"step {w.steps}/{w.level.effective_step_limit}", f"{w.steps}/{w.level.effective_step_limit}"),
            pal.text,
        )
    # The name whole when it fits beside the shortest state; else it gives way down to half the width.
    name = f"{i + 1}  {run.name}"
    room = width - lh - 10 - text_width(states[-1], fs)
    name_rect = draw_text(surface, name, (x + lh, y), fs, accent, bold=True, max_width=max(room, width // 2))
    draw_fitting(
        surface, states, (rect.right - 8, y), fs, ink, rect.right - 8 - name_rect.right - 10, anchor="topright"
    )
    if not view.overlay:
        return
    # Line 2: the last finished episode; line 3: how it scored under each objective shown.
    last = last_outcome(run, view.all_levels)
    y += lh
    slh = line_height(sfs)
    steered = steered_text(run.agent, view.level)
    if view.probe is not None and i == view.selected:  # the probe view's round and R² where the eye is
        draw_text(
            surface,
            view.probe.caption(),
            (x, y),
            sfs,
            pal.warn if view.probe.heat is None else pal.text,
            bold=True,
            max_width=width,
        )
    elif steered:  # the steering first: it is why the last episode went where it did
        x2 = draw_text(surface, steered, (x, y), sfs, pal.warn, bold=True, max_width=width).right + 10
        draw_text(
            surface, "last: " + describe_outcome(last), (x2, y), sfs, pal.text_dim, max_width=max(0, x + width - x2)
        )
    else:
        draw_text(surface, "last: " + describe_outcome(last), (x, y), sfs, pal.text_dim, max_width=width)
    y += slh
    if last is not None:
        _draw_marks(surface, x, y, width, sfs, last, view)
    if layout.header_totals:
        t = run.tally
        totals = "  ".join(
            [f"ep {t.episodes}"]
            + [f"{short_label(o)} {t.hit(o.name)}" for o in view.shown]
            + [f"neither {t.neither}", f"t/o {t.timeouts}"]
        )
        draw_text(surface, totals, (x, y + slh), sfs, pal.text, max_width=width)


def last_outcome(run, all_levels: bool = False) -> Outcome | None:
    """The episode a panel's "last:" line and marks describe: the last on this level as it is now
    (none yet after a new level or a recolour), or, with the all-levels totals shown, the last of all."""
    return run.all_tally.last if all_levels else run.tally.last


def mark_parts(objectives, last: Outcome, fs: int, width: int) -> list[str]:
    """'O_base ✓', 'O_alt ✗', one per objective: the labels shorten ('base ✓', then '✓') before
    any is left out, so a mark never silently vanishes from a header."""
    parts: list[str] = []
    for shorten in (lambda o: short_label(o), lambda o: short_label(o).replace("O_", ""), lambda o: ""):
        parts = [f"{shorten(o)} {'✓' if last.scores.get(o.name, False) else '✗'}".strip() for o in objectives]
        if sum(text_width(p, fs, True) + 10 for p in parts) <= width:
            break
    return parts


def _draw_marks(surface, x: int, y: int, width: int, fs: int, last: Outcome, view: PlayView) -> None:
    """Satisfied in the objective's mark colour, unsatisfied dim: O_alt met is no success."""
    objectives = view.shown or (O_BASE, O_ALT)
    for part, o in zip(mark_parts(objectives, last, fs, width), objectives):
        ok = last.scores.get(o.name, False)
        x = draw_text(surface, part, (x, y), fs, view.mark_rgb(o) if ok else view.palette.text_dim, bold=ok).right + 10


def _draw_board(surface, renderer: BoardRenderer, i: int, panel: PanelLayout, view: PlayView) -> None:
    pal, run, level = view.palette, view.runs[i], view.level
    renderer.draw_board(surface, panel.board.topleft, level, panel.tile, pal, view.shown if view.overlay else ())
    expl = view.explanation if i == view.selected else None
    mode = EXPLAIN_MODES[view.explain_mode] if expl is not None else "off"
    if mode == "probe":
        inside.draw_probe_layer(surface, renderer, panel, view, caption=not view.overlay)
    elif expl is not None:
        layer = renderer.explain_layer(
            (view.explain_version, mode),
            expl.heat if mode == "heat map" else None,
            expl.arrows if mode == "arrows" else None,
            panel.tile,
            pal,
            objects=level.kind >= DOOR,
        )
        if layer is not None:
            surface.blit(layer, panel.board.topleft)
    w = run.world
    accent = view.accent(i)
    renderer.draw_trail(surface, panel.board.topleft, panel.tile, w.trail, accent)
    ring = None
    if w.done and w.outcome is not None:
        ring = pal.good if w.outcome.scores.get(O_BASE.name) else pal.bad
    inside.draw_steer_target(surface, panel, view, i)
    if mode in ("heat map", "arrows"):
        inside.draw_object_scores(surface, panel, view)
    renderer.draw_token(surface, panel.board.topleft, panel.tile, w.agent, run.heading, accent, ring)
    hover = view.hover
    if hover is not None and level.kind[hover] >= DOOR and panel.tile >= 4:
        cell = pygame.Rect(
            panel.board.left + hover[1] * panel.tile, panel.board.top + hover[0] * panel.tile, panel.tile, panel.tile
        )
        pygame.draw.rect(surface, pal.selected, cell.inflate(2, 2), 1)


def draw_status(surface, layout: Layout, view: PlayView) -> None:
    """The bottom line: the latest message (or what to do) on the left, recording and speed on the right."""
    pal, bar, fs = view.palette, layout.status, layout.fs
    pygame.draw.rect(surface, (12, 13, 17), bar)
    y = bar.top + 4
    right_parts = []
    if view.recording is not None:
        right_parts.append((f"● REC {view.recording:.1f}s", pal.bad))
    elif view.writing_gif:
        right_parts.append(("writing GIF…", pal.warn))
    right_parts.append(("paused" if view.paused else f"▶ {view.speed_text}", pal.warn if view.paused else pal.good))
    rx = bar.right - 10
    for text, ink in reversed(right_parts):
        rx = draw_text(surface, text, (rx, y), fs, ink, anchor="topright", bold=True).left - 14
    draw_text(surface, view.status, (bar.left + 10, y), fs, pal.text, max_width=max(0, rx - bar.left - 16))


def draw_help(surface, palette: Palette, capture_folder: str) -> None:
    notes = [
        "Totals: 'neither' = reached an object that satisfies neither O_base nor O_alt; "
        "'t/o' = reached nothing before the step limit.",
        "Steering (S, then a click; Shift+S clears) starts that agent on a new episode, so its path is the "
        "steered one; it lasts until cleared or another level opens.",
        f"Screenshots and GIFs go to {capture_folder}",
    ]
    draw_key_help(surface, palette, "Red Door — play view keys", BINDINGS, MOUSE_HELP, notes)


def tour_card_lines(card: tuple[str, str, str], width: int) -> tuple[int, list[str], int]:
    """The caption's font size, its lines wrapped to `width` pixels, and the card's height."""
    from reddoor.game.render.text import wrap

    from .layout import MIN_FONT, card_font

    cs = card_font(width)
    lines = wrap(card[1], cs, max(1, width - 32))
    height = (
        14 + line_height(cs + 4) + 6 + len(lines) * line_height(cs) + 8 + line_height(max(MIN_FONT, cs // 2 + 3)) + 10
    )
    return cs, lines, height


def draw_tour_card(surface, rect: pygame.Rect, palette: Palette, card: tuple[str, str, str]) -> None:
    """The tour's caption card: the step's title, its one or two sentences big, and a footer with the
    step count, where the claim is measured and the keys."""
    from .layout import MIN_FONT

    title, _, footer = card
    cs, lines, _ = tour_card_lines(card, rect.w)
    pygame.draw.rect(surface, (24, 26, 34), rect, border_radius=8)
    pygame.draw.rect(surface, palette.good, rect, width=2, border_radius=8)
    x, y = rect.left + 16, rect.top + 12
    y = draw_text(surface, title, (x, y), cs + 4, palette.good, bold=True, max_width=rect.w - 32).bottom + 6
    for line in lines:
        if y + line_height(cs) > rect.bottom - 8:
            break
        draw_text(surface, line, (x, y), cs, palette.text)
        y += line_height(cs)
    fs = max(MIN_FONT, cs // 2 + 3)
    draw_text(surface, footer, (x, rect.bottom - line_height(fs) - 8), fs, palette.text_dim, max_width=rect.w - 32)
