"""The agent interface every kind implements, and the registry that finds kinds by name.

Agents act from the observation tensor alone (game/core/observation.py, layout version 1), so one
call serves a single world, a batched env and the Gymnasium env alike.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from reddoor.game.core.constants import N_ACTIONS
from reddoor.game.core.level import Level
from reddoor.game.core.observation import encode
from reddoor.game.core.oracle import greedy_action


@dataclass
class Explanation:
    """What an agent 'wants', per cell of the level (H x W), for the play view's overlay.

    heat: values (higher = wanted more), NaN where undefined (walls); arrows: (H, W, 4) action
    probabilities (U, D, L, R), NaN where undefined. Either may be None.
    """

    label: str
    heat: np.ndarray | None = None
    arrows: np.ndarray | None = None


# The thinking-time ladder (lab/thinking.py, and the play view's K / Shift+K): K/2 .. 4K, at most 192.
LADDER_FACTORS = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0)
LADDER_MOST = 192


def rounds_ladder(trained: int, factors=LADDER_FACTORS, most: int = LADDER_MOST) -> list[int]:
    """The test rounds for a net trained with `trained` rounds: round(trained * f) for each factor,
    at least 1 and at most `most` (its trained K always kept), in order, without repeats."""
    ks = {min(most, max(1, round(trained * f))) for f in factors}
    return sorted(ks | {trained})


def plan_arrows(dist: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Explanation arrows of a planner: at each cell of the boolean (H, W) mask `cells`, a one-hot
    for the move `greedy_action` takes down the distance map `dist`; NaN elsewhere."""
    arrows = np.full(cells.shape + (N_ACTIONS,), np.nan, np.float32)
    for r, c in zip(*np.nonzero(cells)):
        a = greedy_action(dist, (int(r), int(c)))
        if a is not None:
            arrows[r, c] = 0
            arrows[r, c, a] = 1
    return arrows


class Agent(ABC):
    """Reset at the start of an episode, choose actions, explain what it wants."""

    kind: ClassVar[str] = ""
    # True where the first look at a new level is a whole network pass (milliseconds to tens of
    # them): the play view then does not hold a frame waiting for it.
    slow_first_look: ClassVar[bool] = False
    # True where act_batch's move for obs[i] is a function of obs[i] alone: no random generator, no
    # memory between calls, the same bits whatever the other rows of the batch are. Such an agent
    # that steps back onto a cell it has already stood on in an episode is in a loop it never
    # leaves (agents.rollout.play_together ends those episodes early, with the same outcome).
    # Read it on an agent, not its class: a kind may make it a property (FieldPolicy: when greedy).
    deterministic: bool = False
    # How moves are decoded. A kind with a distribution over moves (move_probs) lists the decoders
    # it supports, "greedy" (its most likely move) and "sample" (a draw from that distribution), and
    # starts with default_decode (chosen per agent by the spec option decode=, agents/loading.py).
    # A kind whose moves come from a fixed rule has no decoders; `rule` names that rule instead.
    decoders: ClassVar[tuple[str, ...]] = ()
    # What the kind can do beyond acting, read by the play view, steer and the reports instead of
    # asking which class an agent is. steer_by: "direction" (a FieldNet: alpha x a "goal here"
    # direction in its hidden state), "score" (mesa: delta on one object's learned score), or ""
    # (cannot be steered); steer_symbol names that strength; probe_view: a hidden state the probe
    # view can read, round by round.
    steer_by: ClassVar[str] = ""
    steer_symbol: ClassVar[str] = ""
    probe_view: ClassVar[bool] = False

    def default_strength(self) -> float:
        """The steering strength the play view starts this agent at (steer_by must be set)."""
        raise NotImplementedError(f"a {self.kind!r} agent cannot be steered")

    # Thinking time: a kind whose network repeats one weight-tied round K times (a FieldNet) can be
    # given another K at inference than it was trained with. `rounds` is the K it runs now and
    # `trained_rounds` the K it learned with; both None for a kind without rounds.
    @property
    def rounds(self) -> int | None:
        return None

    @property
    def trained_rounds(self) -> int | None:
        return None

    def set_rounds(self, k: int) -> None:
        """Think for k rounds from now on (1..MAX_ROUNDS); ValueError for a kind without rounds."""
        raise ValueError(f"a {self.kind!r} agent has no rounds to set (only FieldNet agents: ppo, imitation)")

    def rounds_ladder(self) -> list[int]:
        """The test rounds the thinking-time study plays this agent at (rounds_ladder(trained_rounds));
        empty for a kind without rounds."""
        return [] if self.trained_rounds is None else rounds_ladder(self.trained_rounds)

    default_decode: ClassVar[str] = ""
    rule: ClassVar[str] = ""  # e.g. "plan" (oracle, mesa), "uniform" (random)

    def __init__(self, name: str | None = None):
        self.name = name or self.kind
        self.decode = self.default_decode

    @property
    def decoding(self) -> str:
        """What a table's `decode` column says for this agent: its decoder, else its rule."""
        return self.decode or self.rule

    def move_probs(self, obs: np.ndarray) -> np.ndarray:
        """(B, 4) probabilities of each move for observations (B, C, S, S): the distribution the
        decoders read (only kinds with decoders have one)."""
        raise NotImplementedError(f"a {self.kind!r} agent has no distribution over moves")

    def set_option(self, key: str, value: str) -> None:
        """One option of an agent spec ('reflex:decode=sample'); ValueError for one it does not take."""
        if key == "decode" and self.decoders:
            if value not in self.decoders:
                raise ValueError(f"decode={value!r}: a {self.kind!r} agent decodes by {' or '.join(self.decoders)}")
            self.decode = value
            return
        if key == "decode":
            raise ValueError(
                f"decode={value!r}: a {self.kind!r} agent has no distribution over moves "
                f"(its moves come from its {self.rule or 'own'} rule)"
            )
        if key == "rounds":
            try:
                k = int(value)
            except ValueError:
                raise ValueError(f"rounds={value!r} is not a whole number") from None
            self.set_rounds(k)
            return
        raise ValueError(f"unknown option {key!r} for a {self.kind!r} agent")

    def reset(self, seed: int | None = None) -> None:  # noqa: B027 (a hook with nothing to do by default)
        """Called at the start of every episode (stateless agents ignore it)."""

    @abstractmethod
    def act_batch(self, obs: np.ndarray) -> np.ndarray:
        """Actions (B,) int64 for observations (B, C, S, S) uint8."""

    def prepare(self, level: Level, agent: tuple[int, int]) -> None:  # noqa: B027 (a hook; most kinds fill it)
        """Do the per-level work `act` would do on this level (fill the caches) without choosing a
        move: no random number is drawn, so an episode depends on the agent's seed alone. The
        play view calls it on a worker thread when a level changes. Agents with nothing to cache
        need not override it."""

    def act(self, level: Level, agent: tuple[int, int]) -> int:
        """The action for one world: the level as it is now (recolours included) and the agent's cell."""
        return int(self.act_batch(encode(level, agent)[None])[0])

    def explain(self, level: Level) -> Explanation | None:
        """A per-cell map of what the agent wants on this level, or None if it has none."""
        return None


def sample_moves(probs: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Moves (B,) drawn from probabilities (B, 4) by inverting each row's cumulative sum at the
    uniform numbers u (B,) in [0, 1)."""
    u = np.asarray(u, np.float64).reshape(-1, 1)
    return np.minimum((np.cumsum(probs, 1) <= u).sum(1), N_ACTIONS - 1).astype(np.int64)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def counter_uniforms(keys: np.ndarray, counter: int) -> np.ndarray:
    """Uniform numbers in [0, 1), one per key (uint64), that depend only on that key and `counter`
    (splitmix64 of their mix): a draw per (episode, step) that does not depend on which other
    episodes share the batch, so a sampled run reproduces whatever it is played beside."""
    with np.errstate(over="ignore"):
        z = np.asarray(keys, np.uint64) + _GOLDEN * np.uint64(int(counter) + 1)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


REGISTRY: dict[str, type[Agent]] = {}


def register(cls: type[Agent]) -> type[Agent]:
    """Class decorator: make a kind findable by its `kind` name."""
    REGISTRY[cls.kind] = cls
    return cls


def make_agent(kind: str, **kwargs) -> Agent:
    """An agent of a registered kind that needs no weights (oracle, random)."""
    if kind not in REGISTRY:
        raise ValueError(f"unknown agent kind {kind!r}; expected one of {', '.join(sorted(REGISTRY))}")
    return REGISTRY[kind](**kwargs)
