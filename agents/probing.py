"""Reading and steering a FieldNet's hidden state, numpy only: the per-cell BFS fields the probes
are fitted to, probe files (fitted by `python main.py probe`, lab/probe.py), decoding a level's
door and red fields round by round, and the steering input that FieldPolicy.set_steering adds.

A probe is linear: field(cell) ≈ w_t · h_t(cell) + b_t, where h_t(cell) is the network's hidden
state (channels) at that cell after round t (t = 0 is relu(conv_in(x)), t = K the state the head
reads). Fields are defined on floor cells that can reach a target; NaN elsewhere.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reddoor.game.core.constants import BALL, BOX, DOOR, FLOOR, KEY, RED
from reddoor.game.core.level import UNREACHABLE, Level
from reddoor.game.core.observation import CH_AGENT, encode_static
from reddoor.game.core.oracle import distance_to

# The fields a probe reads: BFS moves from a floor cell to the nearest target of each.
FIELDS = ("door", "red", "key", "ball", "box")
FIELD_KINDS = {"door": DOOR, "key": KEY, "ball": BALL, "box": BOX}
# The fields a probe file ships for the play view.
APP_FIELDS = ("door", "red")
PROBE_FORMAT = "reddoor-probes"


def field_targets(kind: np.ndarray, color: np.ndarray, name: str) -> np.ndarray:
    """The cells a field measures the distance to: every door, every red object, every key..."""
    if name == "red":
        return (kind >= DOOR) & (color == RED)
    if name not in FIELD_KINDS:
        raise ValueError(f"unknown field {name!r}; expected one of {', '.join(FIELDS)}")
    return kind == FIELD_KINDS[name]


def field_map(kind: np.ndarray, color: np.ndarray, name: str) -> np.ndarray:
    """(H, W) float32: moves from each floor cell to the nearest target of field `name` (BFS over
    floor, objects are end points); NaN on walls, objects and cells that reach no target."""
    dist = distance_to(kind, field_targets(kind, color, name)).astype(np.float32)
    dist[(dist == UNREACHABLE) | (kind != FLOOR)] = np.nan
    return dist


def static_of(level: Level, canvas: int) -> np.ndarray:
    """The map channels (no agent) of a level on a canvas x canvas grid, padding marked as wall."""
    return encode_static(level.kind, level.color, max(canvas, level.height, level.width))[:CH_AGENT]


def fingerprint(params: dict[str, np.ndarray]) -> str:
    """A short hash of a network's weights: a probe file applies to these weights only."""
    h = hashlib.sha1()
    for k in sorted(params):
        h.update(k.encode())
        h.update(np.ascontiguousarray(params[k], np.float32).tobytes())
    return h.hexdigest()[:16]


def steering_input(
    channels: int, canvas: int, cell: tuple[int, int], direction: np.ndarray, alpha: float
) -> np.ndarray:
    """(1, channels, canvas, canvas): alpha x direction at one cell, zero elsewhere; added to the
    network's input drive u, which enters every round (agents/nn.py FieldNet)."""
    extra = np.zeros((1, channels, canvas, canvas), np.float32)
    extra[0, :, cell[0], cell[1]] = alpha * np.asarray(direction, np.float32)
    return extra


def hidden_states(net, static: np.ndarray, extra: np.ndarray | None = None) -> np.ndarray:
    """(K + 1, channels, S, S): one level's hidden state after every round (net: agents.nn.FieldNet)."""
    out = np.empty((net.iterations + 1, net.p["conv_rec.weight"].shape[0]) + static.shape[-2:], np.float32)

    def keep(t, hidden, first):
        out[t] = hidden[0]

    net(static[None], extra, keep)
    return out


@dataclass
class ProbeSet:
    """Fitted linear probes of one network: weights (fields, rounds, channels), bias (fields,
    rounds), and their held-out R² per test distribution; plus the steering direction."""

    agent: str
    fingerprint: str
    fields: tuple[str, ...]
    weights: np.ndarray
    bias: np.ndarray
    r2: dict[str, np.ndarray] = field(default_factory=dict)  # distribution -> (fields, rounds)
    direction: np.ndarray | None = None  # (channels,) "goal here" (lab/steer.py goal_direction)
    info: dict = field(default_factory=dict)

    @property
    def rounds(self) -> int:
        """K: the probes cover rounds 0..K."""
        return int(self.weights.shape[1]) - 1

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": PROBE_FORMAT,
            "agent": self.agent,
            "fingerprint": self.fingerprint,
            "fields": list(self.fields),
            "r2_distributions": list(self.r2),
            "info": self.info,
        }
        arrays = {
            "meta": np.array(json.dumps(meta, sort_keys=True)),
            "weights": self.weights.astype(np.float32),
            "bias": self.bias.astype(np.float32),
        }
        for d, r2 in self.r2.items():
            arrays[f"r2/{d}"] = np.asarray(r2, np.float32)
        if self.direction is not None:
            arrays["direction"] = np.asarray(self.direction, np.float32)
        from reddoor.game.core.safe_io import atomic_write

        # Atomic: a full disk or a kill leaves the earlier file whole and no temporary file behind.
        return atomic_write(path, lambda fh: np.savez_compressed(fh, **arrays))

    @classmethod
    def load(cls, path: str | Path) -> ProbeSet:
        """A probe file, or ValueError naming the file and the problem."""
        from .checkpoint import MAX_META_CHARS, MAX_WEIGHT, CheckpointError, read_archive

        path = Path(path)
        try:
            try:  # the checkpoint's bounds: size, members, dtypes, all checked before anything expands
                data = read_archive(path)
            except CheckpointError as e:
                raise ValueError(e.problem.replace("checkpoint", "probe file")) from None
            if "meta" not in data or data["meta"].dtype.kind != "U" or len(str(data["meta"])) > MAX_META_CHARS:
                raise ValueError("not a probe file (no readable 'meta' entry)")
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != PROBE_FORMAT:
                raise ValueError(f"not a probe file (format {meta.get('format')!r})")
            weights, bias = np.asarray(data["weights"]), np.asarray(data["bias"])
            r2 = {d: np.asarray(data[f"r2/{d}"]) for d in meta.get("r2_distributions", [])}
            direction = np.asarray(data["direction"]) if "direction" in data else None
            fields = tuple(meta["fields"])
            if weights.ndim != 3 or weights.shape[0] != len(fields) or bias.shape != weights.shape[:2]:
                raise ValueError(f"arrays do not match its {len(fields)} fields")
            if direction is not None and direction.shape != (weights.shape[2],):
                raise ValueError(f"its direction has shape {direction.shape}, expected ({weights.shape[2]},)")
            for name, a in [("weights", weights), ("bias", bias), ("direction", direction), *r2.items()]:
                if a is None:
                    continue
                if a.dtype.kind != "f" or not np.all(np.isfinite(a)):
                    raise ValueError(f"{name} holds NaN, infinity or no numbers")
                if a.size and float(np.abs(a).max()) > MAX_WEIGHT:
                    raise ValueError(f"{name} larger than {MAX_WEIGHT:g} in magnitude")
            return cls(meta["agent"], meta["fingerprint"], fields, weights, bias, r2, direction, meta.get("info", {}))
        except Exception as e:  # a truncated zip (BadZipFile), wrong types in meta, ...: one message
            raise ValueError(f"probe file {path}: {type(e).__name__ if not str(e) else e}") from None

    def decode(self, hidden: np.ndarray, name: str) -> np.ndarray:
        """(K + 1, S, S): field `name` read from hidden states (K + 1, channels, S, S), every round."""
        f = self.fields.index(name)
        return np.einsum("tchw,tc->thw", hidden, self.weights[f]) + self.bias[f][:, None, None]


def probe_path(agent_name: str) -> Path:
    """Where the shipped probes of an agent live: assets/probes/<agent name>.npz."""
    from reddoor.game.paths import asset_path

    return asset_path("probes", f"{agent_name.replace('/', '--')}.npz")


def user_probe_dir() -> Path:
    """Where a user's own probe files go (`probe --save-probes` with this folder): the per-user data
    folder's probes/, which the play view reads after the shipped assets/probes."""
    from reddoor.game.paths import user_data_dir

    return user_data_dir() / "probes"


def probe_hint(spec: str) -> str:
    """The command that makes a probe file the play view will find, for agent `spec`."""
    try:
        folder = str(user_probe_dir())
    except OSError:
        folder = "assets/probes"
    return f"python main.py probe --agent {spec} --save-probes {folder}"


def probes_for(agent, path: str | Path | None = None) -> ProbeSet | None:
    """The probe file fitted to this agent's very weights: `path`, else its name's file under the
    shipped assets/probes, else under the user's probes folder (user_probe_dir); None when there is
    none or it was fitted to other weights."""
    if path is not None:
        candidates = [Path(path)]
    else:
        candidates = [probe_path(agent.name)]
        try:
            candidates.append(user_probe_dir() / probe_path(agent.name).name)
        except OSError:  # no usable user folder: the shipped probes only
            pass
    want = fingerprint(agent.net.p)
    for candidate in candidates:
        if candidate.exists():
            probes = ProbeSet.load(candidate)
            if probes.fingerprint == want:
                return probes
    return None


def decode_fields(
    agent, level: Level, probes: ProbeSet | None = None, fields: tuple[str, ...] = APP_FIELDS
) -> dict[str, np.ndarray]:
    """For the play view's "probe" overlay: each field decoded from the agent's hidden state on this
    level, every round: {field: (K + 1, H, W) float32}, NaN off the floor. The agent's steering, if
    set, is applied (the overlay shows what the steered network represents). Raises ValueError
    when the agent has no probes."""
    from reddoor.game.core.generators import TRAINING_CANVAS

    probes = probes or probes_for(agent)
    if probes is None:
        raise ValueError(
            f"no probes fitted to {agent.name}; make them with: python main.py probe --agent ... --save-probes assets/probes"
        )
    static = static_of(level, TRAINING_CANVAS)
    hidden = hidden_states(agent.net, static, agent.steering_input(static.shape[-1]))
    h, w = level.height, level.width
    off = level.kind != FLOOR
    out = {}
    for name in fields:
        m = probes.decode(hidden, name)[:, :h, :w].astype(np.float32)
        m[:, off] = np.nan
        out[name] = m
    return out
