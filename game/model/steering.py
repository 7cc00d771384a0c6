"""The play view's look inside the agents (part of the play model, no pygame): the steer tool (retarget the selected agent
by editing its internals) and the probe view (the door and red fields read from a FieldNet's
hidden state, round by round). The runtime API is agents/probing.py, agents/policy.py and
agents/mesa.py; everything here is numpy.

Steering a network adds alpha x its "goal here" direction at the clicked object's cell (the
direction ships in assets/probes/<name>.npz); steering mesa adds delta to that object's learned
score. Either way the steered agent starts a new episode, so the path drawn is the steered one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from reddoor.agents.probing import ProbeSet, decode_fields, probe_hint, probes_for
from reddoor.game.core.constants import DOOR
from reddoor.game.core.level import Level

ALPHAS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)  # the up / down keys step through these (docs/steer.md's grid)
DELTA_STEP = 1.0  # one press of up / down nudges a mesa score by this
PROBE_FIELDS = ("door", "red")
PROBE_R2_ON = "conflict"  # the held-out distribution whose R² the view quotes
EXPLAIN_MODES = ("off", "heat map", "arrows", "probe")  # what the explain key cycles through
PROBE_MODE = EXPLAIN_MODES.index("probe")


def steerable(agent) -> bool:
    return bool(agent.steer_by)


def probe_viewable(agent) -> bool:
    """A FieldNet: it has a hidden state to probe (with or without a probe file)."""
    return agent.probe_view


def strength_word(agent) -> str:
    return agent.steer_symbol or "α"


@dataclass
class SteerTool:
    """The steer tool's state: on or off, and the strength chosen per agent (by id)."""

    on: bool = False
    strengths: dict[int, float] = field(default_factory=dict)

    def strength(self, agent) -> float:
        if id(agent) not in self.strengths:
            self.strengths[id(agent)] = agent.default_strength()
        return self.strengths[id(agent)]


def steered_text(agent, level: Level) -> str | None:
    """'steered → red ball (α 4)' while the agent is steered, else None."""
    steering = getattr(agent, "steering", None)
    if steering is None:
        return None
    (r, c), strength = steering
    what = level.describe_cell(r, c) if 0 <= r < level.height and 0 <= c < level.width else "off the map"
    sign = "+" if agent.steer_by == "score" else ""
    return f"steered → {what} ({strength_word(agent)} {strength:{sign}g})"


def steer(tool: SteerTool, run, level: Level, cell: tuple[int, int]) -> str:
    """Retarget `run`'s agent at the object on `cell`; a new episode starts. Returns the status line."""
    agent = run.agent
    if not steerable(agent):
        return f"{agent.name} cannot be steered: only networks (ppo, imitation) and mesa can (S turns the tool off)"
    if level.kind[cell] < DOOR:
        return "click an object to steer the selected agent there"
    direction = {}  # a network's direction ships in its probe file: loaded once here, handed on
    if probe_viewable(agent):
        probes = _probes_or_none(agent)
        if probes is None:
            return f"cannot steer {agent.name}: {no_probe_message(agent)}"
        if probes.direction is not None:
            direction = {"direction": probes.direction}
    strength = tool.strength(agent)
    try:
        agent.set_steering(cell, strength, **direction)
    except ValueError as exc:
        return f"cannot steer {agent.name}: {exc}"
    run.new_episode()
    return f"{agent.name} {steered_text(agent, level)}: a new episode starts; Shift+S clears, ↑/↓ changes the strength"


def _probes_or_none(agent):
    try:
        return probes_for(agent)
    except ValueError:
        return None


def clear(run) -> str:
    agent = run.agent
    if getattr(agent, "steering", None) is None:
        return f"{agent.name} is not steered"
    agent.clear_steering()
    run.new_episode()
    return f"{agent.name}: steering cleared, its own choice again (a new episode starts)"


def adjust(tool: SteerTool, run, level: Level, up: bool, hover: tuple[int, int] | None) -> str:
    """Up / down: a network's alpha one step along ALPHAS; mesa's nudge by DELTA_STEP on the steered
    object, or, unsteered, on the object under the mouse. A steered agent restarts its episode."""
    agent = run.agent
    if not steerable(agent):
        return f"{agent.name} has nothing to steer: select a network (ppo, imitation) or mesa with Tab"
    if agent.steer_by == "score":
        steering = agent.steering
        if steering is None and (hover is None or level.kind[hover] < DOOR):
            return "mesa: point at an object (or steer one) to nudge its score with ↑/↓"
        cell, now = steering if steering is not None else (hover, 0.0)
        delta = now + (DELTA_STEP if up else -DELTA_STEP)
        agent.set_steering(cell, delta)
        run.new_episode()
        return f"mesa: the {level.describe_cell(*cell)}'s score nudged {delta:+g} (Shift+S clears)"
    now = tool.strength(agent)
    i = min(range(len(ALPHAS)), key=lambda j: abs(ALPHAS[j] - now))
    alpha = ALPHAS[min(len(ALPHAS) - 1, i + 1) if up else max(0, i - 1)]
    tool.strengths[id(agent)] = alpha
    steering = agent.steering
    if steering is None:
        return f"{agent.name}: steering strength α {alpha:g} for the next object you steer it to (S, then click)"
    try:
        agent.set_steering(steering[0], alpha)
    except ValueError as exc:
        return f"cannot steer {agent.name}: {exc}"
    run.new_episode()
    return f"{agent.name} {steered_text(agent, level)} (a new episode starts)"


def object_scores(agent, level: Level) -> dict[tuple[int, int], float] | None:
    """mesa: every object's learned score plus its nudge, the numbers its explain view prints."""
    if agent.steer_by != "score":
        return None
    try:
        return {o.cell: o.total for o in agent.object_scores(level)}
    except Exception:  # a level it cannot read: no numbers, the heat map still shows
        return None


# -- the probe view -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ProbeFrame:
    """What the probe view shows: one field at one round, or why nothing (message)."""

    agent: str
    field: str = "door"
    round: int = 0
    rounds: int = 0  # K
    heat: np.ndarray | None = None  # (H, W) decoded moves to the nearest door / red object, NaN off the floor
    r2: float | None = None  # the probe's held-out R² on PROBE_R2_ON levels for this field and round
    message: str = ""
    key: tuple = ()  # names the picture (the renderer caches on it)

    def caption(self) -> str:
        if self.heat is None:
            return self.message
        r2 = f"R² {self.r2:.2f}" if self.r2 is not None else "no R² in the file"
        return f"{self.field} · round {self.round}/{self.rounds} · {r2}"


@dataclass
class ProbeView:
    """The probe view's choices (field, round; None = the last round) and a small decode cache."""

    field_index: int = 0
    round: int | None = None
    _probes: dict = field(default_factory=dict)  # id(agent) -> (agent, ProbeSet | None, error)
    _decoded: dict = field(default_factory=dict)

    @property
    def field(self) -> str:
        return PROBE_FIELDS[self.field_index]

    def probes(self, agent) -> tuple[ProbeSet | None, str | None]:
        hit = self._probes.get(id(agent))
        if hit is None or hit[0] is not agent:
            try:
                hit = (agent, probes_for(agent), None)
            except ValueError as exc:
                hit = (agent, None, str(exc))
            self._probes[id(agent)] = hit
        return hit[1], hit[2]

    def rounds(self, agent) -> int | None:
        probes = self.probes(agent)[0] if probe_viewable(agent) else None
        return None if probes is None else probes.rounds

    def step(self, agent, delta: int) -> str:
        k = self.rounds(agent)
        if k is None:
            return (
                "the probe view's rounds: select a ppo or imitation agent with a probe file (Tab), E until probe"
                if not probe_viewable(agent)
                else no_probe_message(agent)
            )
        now = k if self.round is None else min(self.round, k)
        self.round = max(0, min(k, now + delta))
        return f"probe: round {self.round}/{k}"

    def toggle_field(self) -> str:
        self.field_index = (self.field_index + 1) % len(PROBE_FIELDS)
        return (
            f"probe: the {self.field} field (moves to the nearest {'door' if self.field == 'door' else 'red object'})"
        )

    def frame(self, agent, level: Level) -> ProbeFrame:
        probes, error = self.probes(agent)
        if probes is None:
            return ProbeFrame(agent.name, self.field, message=error or no_probe_message(agent))
        k = probes.rounds
        t = k if self.round is None else min(self.round, k)
        steer = getattr(agent, "steering", None)
        key = (id(agent), level.kind.tobytes(), level.color.tobytes(), repr(steer))
        fields = self._decoded.get(key)
        if fields is None:
            try:
                fields = decode_fields(agent, level, probes, PROBE_FIELDS)
            except ValueError as exc:
                return ProbeFrame(agent.name, self.field, message=f"cannot decode {agent.name}: {exc}")
            if len(self._decoded) > 16:
                self._decoded.clear()
            self._decoded[key] = fields
        r2 = probes.r2.get(PROBE_R2_ON)
        r2_value = float(r2[probes.fields.index(self.field), t]) if r2 is not None else None
        return ProbeFrame(
            agent.name,
            self.field,
            t,
            k,
            fields[self.field][t],
            r2_value,
            key=("probe", self.field, t) + key[:1] + (hash(key),),
        )


def no_probe_message(agent) -> str:
    spec = getattr(agent, "spec", None) or agent.name
    return f"no probe fitted to these weights: {probe_hint(spec)}"


def explanation_text(agent, expl) -> str:
    """The explanation's label without a leading '<kind>: ' (the agent's name is shown beside it)."""
    prefix = f"{agent.kind}: "
    return expl.label[len(prefix) :] if expl.label.startswith(prefix) else expl.label


def views(expl, agent=None) -> list[int]:
    """The explain modes (indices into EXPLAIN_MODES) an explanation can show; a FieldNet adds probe."""
    if expl is None:
        return []
    probe = PROBE_MODE if agent is not None and probe_viewable(agent) else None
    return [m for m, part in ((1, expl.heat), (2, expl.arrows), (PROBE_MODE, probe)) if part is not None]
