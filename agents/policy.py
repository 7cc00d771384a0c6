"""What the learned kinds share: reading the observation, the checkpoint-backed base class with its
per-level cache, and the FieldNet policy that ppo and classifier both are. Numpy only."""
from __future__ import annotations

from functools import lru_cache
from typing import ClassVar

import numpy as np

from game.core.constants import FLOOR, N_ACTIONS
from game.core.generators import SIZES
from game.core.level import Level
from game.core.observation import CH_AGENT, CH_WALL, encode

from . import nn
from .base import Agent

_CACHE_LIMIT = 2048
# The largest side of the training distributions: the canvas the shipped networks learned on.
TRAINING_CANVAS = SIZES["default"][1]


@lru_cache(maxsize=1)
def _test_level() -> Level:
    """A small level with a door and a red non-door object: the load-time forward check's input."""
    from game.core.level_io import parse_level
    return parse_level("name: check\nlegend:\n  D = door blue\n  b = ball red\nmap:\n#######\n#@..b.#\n#.##..#\n#....D#\n#######\n",
                       "<load check>")


def agent_cells(obs: np.ndarray) -> np.ndarray:
    """(B, 2) row, col of the agent in each observation (0, 0 where it is missing)."""
    b, _, s, _ = obs.shape
    flat = obs[:, CH_AGENT].reshape(b, -1).argmax(1)
    return np.stack([flat // s, flat % s], 1)


def softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


class LearnedAgent(Agent):
    """Shared plumbing: the checkpoint's metadata, a numpy network, a cache of per-level outputs."""

    architecture: ClassVar[str] = ""  # the network this kind reads (agents/nn.py ARCHITECTURES)
    min_out_channels: ClassVar[int] = 0  # the outputs it reads from that network

    @classmethod
    def config_problem(cls, config: dict) -> str | None:
        """Why a checkpoint's architecture cannot drive this kind (None when it can): a mesa file
        holding FieldNet weights is refused at load, not when it first acts."""
        if config.get("arch") != cls.architecture:
            return f"a {cls.kind!r} agent needs {cls.architecture!r} weights; this file holds {config.get('arch')!r} weights"
        if cls.min_out_channels and config["out_channels"] < cls.min_out_channels:  # validated by the schema
            return (f"a {cls.kind!r} agent reads {cls.min_out_channels} output channels; this network has "
                    f"{config['out_channels']}")
        return None

    def output_problem(self) -> str | None:
        """Why the network's output on a small test level is unusable (NaN or infinity: weights that
        overflow float32 in its layers or rounds), or None. One forward pass, done once at load."""
        with np.errstate(all="ignore"):  # overflow is what this looks for; say it once, as an error
            out = self._compute(encode(_test_level(), _test_level().start)[:CH_AGENT])
        values = out.values() if isinstance(out, dict) else [out]
        for v in values:
            if isinstance(v, np.ndarray) and v.dtype.kind == "f" and not np.all(np.isfinite(v)):
                return "the network's output on a test level is not finite (NaN or infinity): its weights overflow"
        return None

    def __init__(self, meta: dict, params: dict[str, np.ndarray], name: str | None = None, seed: int = 0):
        super().__init__(name or meta.get("name") or self.kind)
        self.meta = meta
        self.net = nn.build(meta["architecture"], params)
        self._cache: dict[bytes, object] = {}
        self._steer_key = b""  # part of the cache key: a steered network's maps differ
        self.rng = np.random.default_rng(seed)

    def reset(self, seed: int | None = None) -> None:
        if seed is not None:
            self.rng = np.random.default_rng(seed)

    def _per_level(self, static: np.ndarray):
        """Per-level work (the network's maps), cached: within an episode only the agent moves."""
        steer = self._steer_key
        key = static.tobytes() + bytes(static.shape[-1:]) + steer
        hit = self._cache.get(key)
        if hit is None:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            hit = self._compute(static)
            if self._steer_key == steer:  # steering changed meanwhile (another thread): do not file it under the old key
                self._cache[key] = hit
        return hit

    def _compute(self, static: np.ndarray):
        raise NotImplementedError

    def _map_of(self, level: Level):
        """The per-level work for explain(): the same cache entry act() fills on this level."""
        return self._per_level(encode(level, level.start)[:CH_AGENT])


class FieldPolicy(LearnedAgent):
    """A FieldNet policy: the network's output at every cell; the agent reads its own cell.

    Steering (`set_steering`) adds alpha x a "goal here" direction to the network's input drive at
    one cell, so it enters every round; act, act_batch and explain all see the steered network.
    """

    architecture = "fieldnet"
    min_out_channels = N_ACTIONS

    greedy = True
    slow_first_look = True
    _steering: tuple | None = None  # (cell, alpha, direction (channels,))

    def _compute(self, static: np.ndarray) -> np.ndarray:
        # The convolutions see past the canvas edge as zeros, not wall. Training levels sat on a
        # canvas of at least TRAINING_CANVAS, so a smaller level is padded with wall up to it
        # (exactly what a larger canvas encodes) and the play view acts as the experiment does.
        s = static.shape[-1]
        if s >= TRAINING_CANVAS:
            return self.net(static[None], self.steering_input(s))[0]
        padded = np.zeros(static.shape[:1] + (TRAINING_CANVAS, TRAINING_CANVAS), static.dtype)
        padded[CH_WALL] = 1
        padded[:, :s, :s] = static
        return self.net(padded[None], self.steering_input(TRAINING_CANVAS))[0][:, :s, :s]

    # -- steering ----------------------------------------------------------------------------
    def set_steering(self, cell: tuple[int, int], alpha: float, direction: np.ndarray | None = None) -> None:
        """Act as if told "the goal is at `cell`": alpha x `direction` (default: the direction in
        this agent's probe file, assets/probes/<name>.npz) added at that cell in every round.
        Raises ValueError when there is no direction or it does not fit the network."""
        from .probing import probes_for

        if direction is None:
            probes = probes_for(self)
            if probes is None or probes.direction is None:
                raise ValueError(f"no steering direction for {self.name}: no probe file fitted to these weights "
                                 "(python main.py probe --agent ... --save-probes assets/probes)")
            direction = probes.direction
        direction = np.asarray(direction, np.float32)
        channels = self.net.p["conv_rec.weight"].shape[0]
        if direction.shape != (channels,) or not np.all(np.isfinite(direction)):
            raise ValueError(f"a steering direction for {self.name} has {channels} finite values, got shape {direction.shape}")
        cell = (int(cell[0]), int(cell[1]))
        if min(cell) < 0:
            raise ValueError(f"steering cell {cell} is off the map")
        if not np.isfinite(alpha):
            raise ValueError(f"steering strength must be a finite number, got {alpha!r}")
        self._steering = (cell, float(alpha), direction)
        self._steer_key = b"steer" + np.array([*cell, alpha], np.float64).tobytes() + direction.tobytes()

    def clear_steering(self) -> None:
        self._steering = None
        self._steer_key = b""

    @property
    def steering(self) -> tuple[tuple[int, int], float] | None:
        """(cell, alpha) while steered, else None."""
        return None if self._steering is None else self._steering[:2]

    def steering_input(self, canvas: int) -> np.ndarray | None:
        """What steering adds to the network's input drive on a canvas x canvas map (None: nothing)."""
        if self._steering is None:
            return None
        from .probing import steering_input
        cell, alpha, direction = self._steering
        if cell[0] >= canvas or cell[1] >= canvas:
            return None
        return steering_input(len(direction), canvas, cell, direction, alpha)

    def _fields(self, obs: np.ndarray) -> np.ndarray:
        b, _, s, _ = obs.shape
        out = np.empty((b, self.net.config["out_channels"], s, s), np.float32)
        static = obs[:, :CH_AGENT]
        for i in range(b):
            out[i] = self._per_level(static[i])
        return out

    def act_batch(self, obs: np.ndarray) -> np.ndarray:
        cells = agent_cells(obs)
        fields = self._fields(obs)
        logits = fields[np.arange(len(obs)), :N_ACTIONS, cells[:, 0], cells[:, 1]]
        if self.greedy:
            return logits.argmax(1).astype(np.int64)
        p = softmax(logits, 1)
        u = self.rng.random((len(obs), 1))
        return np.minimum((p.cumsum(1) < u).sum(1), N_ACTIONS - 1).astype(np.int64)

    def _explain_maps(self, level: Level) -> tuple[np.ndarray, np.ndarray]:
        h, w = level.height, level.width
        field = self._map_of(level)[:, :h, :w]
        arrows = softmax(field[:N_ACTIONS], 0).transpose(1, 2, 0).astype(np.float32)
        arrows[level.kind != FLOOR] = np.nan
        return field, arrows
