"""What the learned kinds share: reading the observation, the checkpoint-backed base class with its
per-level cache, and the FieldNet policy that ppo and classifier both are. Numpy only."""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar

import numpy as np

from reddoor.game.core.constants import FLOOR, MAX_ROUNDS, N_ACTIONS
from reddoor.game.core.generators import TRAINING_CANVAS
from reddoor.game.core.level import Level
from reddoor.game.core.observation import CH_AGENT, CH_WALL, encode

from . import nn
from .base import Agent, sample_moves

_CACHE_LIMIT = 2048


@lru_cache(maxsize=1)
def _test_level() -> Level:
    """A small level with a door and a red non-door object: the load-time forward check's input."""
    from reddoor.game.core.level_io import parse_level

    return parse_level(
        "name: check\nlegend:\n  D = door blue\n  b = ball red\nmap:\n#######\n#@..b.#\n#.##..#\n#....D#\n#######\n",
        "<load check>",
    )


def agent_cells(obs: np.ndarray) -> np.ndarray:
    """(B, 2) row, col of the agent in each observation (0, 0 where it is missing)."""
    b, _, s, _ = obs.shape
    flat = obs[:, CH_AGENT].reshape(b, -1).argmax(1)
    return np.stack([flat // s, flat % s], 1)


def softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def cached(store: dict, key: bytes, make):
    """store[key], made by make() on a miss; the store is emptied when it holds _CACHE_LIMIT entries."""
    hit = store.get(key)
    if hit is None:
        if len(store) >= _CACHE_LIMIT:
            store.clear()
        hit = store[key] = make()
    return hit


@lru_cache(maxsize=16)
def _multipliers(words: int) -> np.ndarray:
    return np.random.default_rng(words).integers(0, 2**63, size=words, dtype=np.uint64) * np.uint64(2) + np.uint64(1)


def level_fingerprints(static: np.ndarray) -> list[int]:
    """A 64-bit fingerprint of every level of a batch (B, C, S, S) of 0/1 channels, in a few whole-array
    numpy calls: the bits packed, read as 64-bit words, a weighted sum (wrapping). A hint only."""
    b = len(static)
    flat = static.reshape(b, -1)
    packed = np.packbits(flat if flat.dtype == np.uint8 else flat != 0, axis=1)
    pad = -packed.shape[1] % 8
    if pad:
        packed = np.concatenate([packed, np.zeros((b, pad), np.uint8)], 1)
    words = packed.view(np.uint64)
    return (words * _multipliers(words.shape[1])).sum(1).tolist()


class LevelIndex:
    """Finds the cache entries of a batch of levels without hashing each level's bytes every step.

    An agent is asked about the same levels step after step; hashing a level's 2,475 to 10,571
    bytes each time was a large part of an evaluation. Here a whole batch gets fingerprints in one
    pass and each fingerprint points at the bytes key of the entry it found last time; the key is
    then confirmed byte for byte (and its hash is kept by Python), so a fingerprint that collides
    costs only a slower look-up, never a wrong entry.
    """

    def __init__(self):
        self.keys: dict[int, bytes] = {}

    def lookup(self, store: dict, static: np.ndarray, make) -> list:
        """store's entry for each level of `static` (B, C, S, S). The levels not in it yet are made
        together, by make(levels) on those levels (k, C, S, S), which returns their k entries."""
        out: list = []
        tail = bytes(static.shape[-1:])
        size = static[0].nbytes + len(tail) if len(static) else 0
        keys_get, store_get, append = self.keys.get, store.get, out.append
        missing: dict[bytes, list[int]] = {}  # key -> the rows of this batch that are that level
        for i, fp in enumerate(level_fingerprints(static)):
            row = static[i].tobytes()
            key = keys_get(fp)
            if key is not None and len(key) == size and key.startswith(row):
                hit = store_get(key)
                if hit is not None:
                    append(hit)
                    continue
            key = row + tail
            hit = store_get(key)
            if hit is None:
                missing.setdefault(key, []).append(i)
            append(hit)
            if len(self.keys) >= _CACHE_LIMIT:
                self.keys.clear()
            self.keys[fp] = key
        if missing:
            made = make(static[[rows[0] for rows in missing.values()]])
            for (key, rows), entry in zip(missing.items(), made, strict=True):
                cached(store, key, lambda entry=entry: entry)
                for i in rows:
                    out[i] = entry
        return out


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
            return (
                f"a {cls.kind!r} agent reads {cls.min_out_channels} output channels; this network has "
                f"{config['out_channels']}"
            )
        return None

    def output_problem(self) -> str | None:
        """Why the network's output on a small test level is unusable (NaN or infinity: weights that
        overflow float32 in its layers or rounds), or None. One forward pass, done once at load."""
        with np.errstate(all="ignore"):  # overflow is what this looks for; say it once, as an error
            out = self._load_check_output(encode(_test_level(), _test_level().start)[:CH_AGENT])
        values = out.values() if isinstance(out, dict) else [out]
        for v in values:
            if isinstance(v, np.ndarray) and v.dtype.kind == "f" and not np.all(np.isfinite(v)):
                return "the network's output on a test level is not finite (NaN or infinity): its weights overflow"
        return None

    def _load_check_output(self, static: np.ndarray):
        """The output the load check inspects: the per-level work on the test level."""
        return self._compute(static)

    def __init__(self, meta: dict, params: dict[str, np.ndarray], name: str | None = None, seed: int = 0):
        super().__init__(name or meta.get("name") or self.kind)
        self.meta = meta
        self.net = nn.build(meta["architecture"], params)
        self._cache: dict[bytes, object] = {}
        self._index = LevelIndex()
        self.rng = np.random.default_rng(seed)

    def reset(self, seed: int | None = None) -> None:
        if seed is not None:
            self.rng = np.random.default_rng(seed)

    def _per_level(self, static: np.ndarray):
        """Per-level work (the network's maps), cached: within an episode only the agent moves."""
        return cached(self._cache, static.tobytes() + bytes(static.shape[-1:]), lambda: self._compute(static))

    def _per_level_batch(self, static: np.ndarray) -> list:
        """`_per_level` of each level of a batch (B, C, S, S), found by fingerprint (see LevelIndex)."""
        return self._index.lookup(self._cache, static, self._compute_batch)

    def _compute(self, static: np.ndarray):
        raise NotImplementedError

    def prepare(self, level: Level, agent: tuple[int, int]) -> None:
        self._per_level_batch(encode(level, agent)[None, :CH_AGENT])  # the cache act_batch reads

    def _compute_batch(self, static: np.ndarray) -> list:
        """`_compute` of each level of a batch (k, C, S, S), as a list."""
        return [self._compute(level) for level in static]

    def _map_of(self, level: Level):
        """The per-level work for explain(): the same cache entry act() fills on this level."""
        return self._per_level(encode(level, level.start)[:CH_AGENT])


_CURRENT = object()  # steering_input's default: the agent's steering as it is now


def _steering_key(steering: tuple) -> bytes:
    """The part of a cache key that tells one steering (cell, alpha, direction) from another."""
    cell, alpha, direction = steering
    return b"steer" + np.array([*cell, alpha], np.float64).tobytes() + direction.tobytes()


class FieldPolicy(LearnedAgent):
    """A FieldNet policy: the network's output at every cell; the agent reads its own cell.

    Steering (`set_steering`) adds alpha x a "goal here" direction to the network's input drive at
    one cell, so it enters every round; act, act_batch and explain all see the steered network.
    """

    architecture = "fieldnet"
    min_out_channels = N_ACTIONS

    decoders = ("greedy", "sample")
    default_decode = "greedy"
    slow_first_look = True
    steer_by = "direction"
    steer_symbol = "α"
    probe_view = True
    # The best alpha in docs/steer.md per shipped network (its success there: 0.62, 0.60, 0.24 of
    # 323 targets); other weights start at 2.
    BEST_ALPHA: ClassVar[dict[str, float]] = {
        "ppo-k48": 4.0,
        "ppo": 4.0,
        "imitation-k48": 2.0,
        "imitation": 2.0,
        "imitation-k8": 0.5,
    }

    def default_strength(self) -> float:
        return self.BEST_ALPHA.get(self.name, 2.0)

    _steering: tuple | None = None  # (cell, alpha, direction (channels,))

    @property
    def rounds(self) -> int:
        return self.net.iterations

    @property
    def trained_rounds(self) -> int:
        return int(self.meta["architecture"]["iterations"])

    def set_rounds(self, k: int) -> None:
        if not isinstance(k, int) or not 1 <= k <= MAX_ROUNDS:
            raise ValueError(f"rounds must be a whole number from 1 to {MAX_ROUNDS}, got {k!r}")
        if k == self.net.iterations:
            return
        # The rounds first, then fresh caches: a first look already under way on the play view's
        # worker stores its field in the old cache, never in the new one.
        self.net.iterations = k
        self._cache, self._index = {}, LevelIndex()

    @property
    def deterministic(self) -> bool:  # a greedy FieldNet reads a per-level field computed level by level
        return self.decode == "greedy"

    def _load_check_output(self, static: np.ndarray) -> np.ndarray:
        # The network on the small test level as it is, not padded to the training canvas: the same
        # weights and rounds at a tenth of the cost (this runs for every agent before the first frame).
        return self.net(static[None])[0]

    def _per_level(self, static: np.ndarray):
        steering = self._steering  # read once: the cache key and the computation use the same steering
        if steering is None:
            return super()._per_level(static)
        key = static.tobytes() + bytes(static.shape[-1:]) + _steering_key(steering)
        return cached(self._cache, key, lambda: self._compute(static, steering))

    def _per_level_batch(self, static: np.ndarray) -> list:
        steering = self._steering
        if steering is None:  # the experiment's case: by fingerprint, unsteered
            return super()._per_level_batch(static)
        tail = bytes(static.shape[-1:]) + _steering_key(steering)  # the play view's case: steered
        return [
            cached(self._cache, level.tobytes() + tail, lambda level=level: self._compute(level, steering))
            for level in static
        ]

    @staticmethod
    def _on_training_canvas(static: np.ndarray) -> np.ndarray:
        # The convolutions see past the canvas edge as zeros, not wall. Training levels sat on a
        # canvas of at least TRAINING_CANVAS, so a smaller level is padded with wall up to it
        # (exactly what a larger canvas encodes) and the play view acts as the experiment does.
        s = static.shape[-1]
        if s >= TRAINING_CANVAS:
            return static
        padded = np.zeros(static.shape[:2] + (TRAINING_CANVAS, TRAINING_CANVAS), static.dtype)
        padded[:, CH_WALL] = 1
        padded[..., :s, :s] = static
        return padded

    def _compute(self, static: np.ndarray, steering: tuple | None = None) -> np.ndarray:
        s = static.shape[-1]
        x = self._on_training_canvas(static[None])
        return self.net(x, self.steering_input(x.shape[-1], steering))[0][:, :s, :s]

    def _compute_batch(self, static: np.ndarray) -> list:
        # Unsteered (the experiment's case): the levels go through the network a few at a time,
        # each with the bits it gets alone (a level's matrix products do not mix with another's).
        s = static.shape[-1]
        return list(self.net(self._on_training_canvas(static))[:, :, :s, :s])

    # -- steering ----------------------------------------------------------------------------
    def set_steering(self, cell: tuple[int, int], alpha: float, direction: np.ndarray | None = None) -> None:
        """Act as if told "the goal is at `cell`": alpha x `direction` (default: the direction in
        this agent's probe file, assets/probes/<name>.npz) added at that cell in every round.
        Raises ValueError when there is no direction or it does not fit the network."""
        from .probing import probe_hint, probes_for

        if direction is None:
            probes = probes_for(self)
            if probes is None or probes.direction is None:
                raise ValueError(
                    f"no steering direction for {self.name}: no probe file fitted to these weights "
                    f"({probe_hint(self.name)})"
                )
            direction = probes.direction
        direction = np.asarray(direction, np.float32)
        channels = self.net.p["conv_rec.weight"].shape[0]
        if direction.shape != (channels,) or not np.all(np.isfinite(direction)):
            raise ValueError(
                f"a steering direction for {self.name} has {channels} finite values, got shape {direction.shape}"
            )
        cell = (int(cell[0]), int(cell[1]))
        if min(cell) < 0:
            raise ValueError(f"steering cell {cell} is off the map")
        if not np.isfinite(alpha):
            raise ValueError(f"steering strength must be a finite number, got {alpha!r}")
        self._steering = (cell, float(alpha), direction)

    def clear_steering(self) -> None:
        self._steering = None

    @property
    def steering(self) -> tuple[tuple[int, int], float] | None:
        """(cell, alpha) while steered, else None."""
        steering = self._steering  # read once: the UI thread may clear it meanwhile
        return None if steering is None else steering[:2]

    def steering_input(self, canvas: int, steering=_CURRENT) -> np.ndarray | None:
        """What `steering` ((cell, alpha, direction), or None: none; default: the agent's current
        one) adds to the network's input drive on a canvas x canvas map (None: nothing)."""
        if steering is _CURRENT:
            steering = self._steering
        if steering is None:
            return None
        from .probing import steering_input

        cell, alpha, direction = steering
        if cell[0] >= canvas or cell[1] >= canvas:
            return None
        return steering_input(len(direction), canvas, cell, direction, alpha)

    def _logits(self, obs: np.ndarray) -> np.ndarray:
        cells = agent_cells(obs)
        # Only the agent's own cell of each field is read (no copy of the whole field per step).
        logits = np.empty((len(obs), N_ACTIONS), np.float32)
        for i, ((r, c), field) in enumerate(zip(cells.tolist(), self._per_level_batch(obs[:, :CH_AGENT]))):
            logits[i] = field[:N_ACTIONS, r, c]
        return logits

    def move_probs(self, obs: np.ndarray) -> np.ndarray:
        return softmax(self._logits(obs).astype(np.float64), 1)

    def act_batch(self, obs: np.ndarray) -> np.ndarray:
        if self.decode == "greedy":
            return self._logits(obs).argmax(1).astype(np.int64)
        return sample_moves(self.move_probs(obs), self.rng.random(len(obs)))

    def _explain_maps(self, level: Level) -> tuple[np.ndarray, np.ndarray]:
        h, w = level.height, level.width
        field = self._map_of(level)[:, :h, :w]
        arrows = softmax(field[:N_ACTIONS], 0).transpose(1, 2, 0).astype(np.float32)
        arrows[level.kind != FLOOR] = np.nan
        return field, arrows
