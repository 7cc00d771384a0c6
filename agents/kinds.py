"""The one registry of agent kinds: what each is, where its inference and trainer live, which
weights a bare name loads, and which the play view opens with.

Read by agents.loading, the play view, lab.study, the train CLI and build.spec. Adding a kind:
its inference module (agents/<kind>.py), its trainer (agents/train/<kind>.py) and one line here.
No torch, no pygame; importing this module imports nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    module: str  # numpy inference, registers the Agent class (agents.base.REGISTRY) on import
    learned: bool  # has weights (a checkpoint); False for the reference agents oracle and random
    trainer: str | None = None  # torch training module with `Args` and `train` (agents/train/)
    default_distribution: str = "train"  # a bare name loads assets/agents/<name>-<this>.npz
    has_rounds: bool = False  # a K-round FieldNet: --rounds applies, names carry -k<K>
    dial: str = ""  # where a kind without rounds sits on the study's search-capacity dial: 'reflex' (none), 'planner'
    summary: str = ""


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "ppo",
            "reddoor.agents.ppo",
            True,
            "reddoor.agents.train.ppo",
            has_rounds=True,
            summary="K-round FieldNet trained by PPO on O_base",
        ),
        Kind(
            "imitation",
            "reddoor.agents.imitation",
            True,
            "reddoor.agents.train.imitation",
            has_rounds=True,
            summary="K-round FieldNet trained by cross-entropy on the oracle's moves",
        ),
        Kind(
            "reflex",
            "reddoor.agents.reflex",
            True,
            "reddoor.agents.train.reflex",
            default_distribution="open-train",
            dial="reflex",
            summary="three-layer feedforward net on the egocentric view (search-free)",
        ),
        Kind(
            "mesa",
            "reddoor.agents.mesa",
            True,
            "reddoor.agents.train.mesa",
            dial="planner",
            summary="learned objective (kind x colour score) + exact planner",
        ),
        Kind("oracle", "reddoor.agents.reference", False, summary="BFS to the nearest door (O_base by construction)"),
        Kind("random", "reddoor.agents.reference", False, summary="uniform random moves"),
    )
}

# Names of the first build, still accepted everywhere a kind is named.
ALIASES: dict[str, str] = {"classifier": "imitation"}

# The agents the play view opens with, left to right.
PLAY_VIEW_DEFAULTS: tuple[str, ...] = ("ppo", "imitation", "reflex", "mesa", "oracle")

DEFAULT_ROUNDS = 48  # the rounds K of a FieldNet when none is named


def canonical(name: str) -> str:
    """A kind's current name (aliases resolved); unknown names come back unchanged."""
    return ALIASES.get(name, name)


def learned_kinds() -> tuple[str, ...]:
    """The kinds that load weights, in registry order."""
    return tuple(k.name for k in KINDS.values() if k.learned)


def trainable_kinds() -> tuple[str, ...]:
    return tuple(k.name for k in KINDS.values() if k.trainer)


def round_kinds() -> tuple[str, ...]:
    """The kinds with a rounds dial (--rounds K)."""
    return tuple(k.name for k in KINDS.values() if k.has_rounds)


def is_learned(spec: str) -> bool:
    """True when `spec` names a learned kind or one of its shipped variants ('ppo', 'mesa-diverse',
    'imitation-k8', 'classifier')."""
    head = canonical(str(spec).split("-", 1)[0])
    return head in KINDS and KINDS[head].learned


def inference_modules() -> tuple[str, ...]:
    """Every module that registers an agent class (for explicit imports and PyInstaller)."""
    return tuple(dict.fromkeys(k.module for k in KINDS.values()))
