"""Checkpoint files: named float32 arrays plus a JSON metadata string in one .npz, no pickle anywhere.

Layout: `meta` is a 0-d unicode array holding JSON (kind, architecture config, observation layout
version, training distribution, seed, environment steps, wall time, final O_base rate on the
training distribution, the command that reproduces it); every other entry `param/<name>` is one
array of the network. Reading parses the zip and .npy headers itself and builds arrays with
np.frombuffer from plain number or text types only, so a downloaded file cannot run code (no
pickle), nor make the reader expand gigabytes: see `read_checkpoint` for what is checked.
"""

from __future__ import annotations

import io
import json
import math
import os
import zipfile
from pathlib import Path

import numpy as np

from reddoor.game.core.constants import MAX_ROUNDS
from reddoor.game.core.observation import CH_AGENT, OBS_LAYOUT_VERSION
from reddoor.game.core.safe_io import FileTooLarge, NotARegularFile, atomic_write, read_regular

from . import nn

FORMAT = "reddoor-agent"
FORMAT_VERSION = 1
REQUIRED_META = ("kind", "architecture", "obs_layout_version")

# -- the bounds a checkpoint must keep (README, "Reliability") ---------------------------------
# Far above every shipped or study checkpoint (the largest, reflex, is 2.2 MB with 0.6 M weights;
# the most rounds trained is 48), low enough that no file makes loading or acting slow.
MAX_FILE_BYTES = 64 << 20  # the .npz on disk
MAX_ARRAY_BYTES = 64 << 20  # one array, decompressed (read from the zip and .npy headers first)
MAX_TOTAL_BYTES = 128 << 20  # all arrays together, decompressed
MAX_MEMBERS = 64  # entries in the archive
MAX_META_CHARS = 1 << 20  # the JSON metadata
MAX_META_DEPTH = 16  # nesting of lists and objects in the metadata
MAX_WEIGHT = 1e4  # |w| of any weight (shipped ones stay under 2); larger ones overflow float32 in the rounds
ARCH_BOUNDS = {  # architecture field -> (lowest, highest), all whole numbers
    "fieldnet": {
        "channels": (1, 256),
        "in_channels": (CH_AGENT, CH_AGENT),
        "out_channels": (1, 64),
        "iterations": (1, MAX_ROUNDS),
    },
    "cellscorer": {"hidden": (1, 4096), "in_channels": (CH_AGENT, CH_AGENT)},
    "reflex": {"hidden": (1, 4096), "in_channels": (CH_AGENT, CH_AGENT), "out_channels": (1, 64), "radius": (1, 64)},
}
# Optional metadata fields that code reads, with the type it expects.
META_TYPES = {
    "kind": str,
    "name": str,
    "training_distribution": str,
    "seed": int,
    "env_steps": (int, float),
    "wall_time_s": (int, float),
    "command": str,
    "format_version": int,
    "obs_layout_version": int,
    "hyperparameters": dict,
    "final_train_scores": dict,
    "final_o_base_train": (int, float),
}


class CheckpointError(ValueError):
    """A checkpoint that cannot be used; the message names the file and what is wrong."""

    def __init__(self, path: str | os.PathLike, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"checkpoint {self.path}: {problem}")


def save_checkpoint(path: str | os.PathLike, params: dict[str, np.ndarray], meta: dict) -> Path:
    """Write `params` and `meta` (must hold kind and architecture) to `path` atomically: a kill
    at any moment leaves the old file or the new one, and a temporary file that a killed save
    left is removed by the next save into that folder (game/core/safe_io.py)."""
    path = Path(path)
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "obs_layout_version": OBS_LAYOUT_VERSION, **meta}
    missing = [k for k in REQUIRED_META if k not in meta]
    if missing:
        raise ValueError(f"checkpoint metadata lacks {', '.join(missing)}")
    problems = nn.check_shapes(meta["architecture"], params)
    if problems:
        raise ValueError("parameters do not match the architecture: " + "; ".join(problems))
    arrays = {f"param/{k}": np.ascontiguousarray(v, np.float32) for k, v in params.items()}
    arrays["meta"] = np.array(json.dumps(meta, sort_keys=True))
    return atomic_write(path, lambda fh: np.savez_compressed(fh, **arrays))


def read_checkpoint(path: str | os.PathLike, expect_kind: str | None = None) -> tuple[dict, dict[str, np.ndarray]]:
    """(metadata, arrays) from a checkpoint, or CheckpointError saying what is wrong with it.

    Never raises anything else, whatever the file holds: only a regular file under
    MAX_FILE_BYTES is read; every archive member's decompressed size is checked against the
    zip directory and its .npy header before it is expanded; the metadata is checked by
    `validate_meta` (types, bounds, nesting); the arrays must match the architecture's shapes
    and be finite with |w| <= MAX_WEIGHT.
    """
    path = Path(path)
    try:
        return _read(path, expect_kind)
    except CheckpointError:
        raise
    except RecursionError:
        raise CheckpointError(path, "metadata nested too deeply") from None
    except MemoryError:
        raise CheckpointError(path, "too large to load") from None
    except Exception as e:  # noqa: BLE001 (the promise is CheckpointError for every bad file)
        raise CheckpointError(path, f"corrupted or not a checkpoint ({e.__class__.__name__}: {e})") from None


def read_archive(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every array of an .npz file, under the checkpoint's bounds (a regular file under
    MAX_FILE_BYTES; each member's size checked before it is expanded; numbers or text only), or
    CheckpointError saying what is wrong. Probe files are read through it too."""
    path = Path(path)
    try:
        return _archive(path)
    except CheckpointError:
        raise
    except MemoryError:
        raise CheckpointError(path, "too large to load") from None
    except Exception as e:  # noqa: BLE001 (the promise is CheckpointError for every bad file)
        raise CheckpointError(path, f"corrupted or not an .npz archive ({e.__class__.__name__}: {e})") from None


def _archive(path: Path) -> dict[str, np.ndarray]:
    if not path.exists() and not path.is_symlink():
        raise CheckpointError(path, "file not found")
    if path.is_dir():
        raise CheckpointError(path, "is a folder, not a checkpoint file")
    try:
        data = read_regular(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise CheckpointError(path, "file not found") from None
    except (NotARegularFile, FileTooLarge) as e:
        raise CheckpointError(path, f"not a checkpoint file: {e}") from None
    except OSError as e:
        raise CheckpointError(path, f"unreadable ({e.strerror or e})") from None
    if not data:
        raise CheckpointError(path, "file is empty")
    if data[:4] != b"PK\x03\x04":
        raise CheckpointError(path, "not a checkpoint (not an .npz archive)")
    try:
        members = _read_members(path, data)
    except CheckpointError:
        raise
    except zipfile.BadZipFile as e:
        raise CheckpointError(path, f"corrupted or truncated archive ({e})") from None
    except (EOFError, OSError, zipfile.LargeZipFile) as e:
        raise CheckpointError(path, f"truncated or unreadable ({e.__class__.__name__}: {e})") from None
    except Exception as e:  # zlib.error and friends from a damaged member
        raise CheckpointError(path, f"corrupted archive ({e.__class__.__name__}: {e})") from None
    return members


def _read(path: Path, expect_kind: str | None) -> tuple[dict, dict[str, np.ndarray]]:
    members = _archive(path)
    if "meta" not in members:
        raise CheckpointError(path, "not a Red Door checkpoint (no 'meta' entry)")
    raw = members.pop("meta")
    if raw.dtype.kind != "U" or raw.ndim != 0:
        raise CheckpointError(path, "not a Red Door checkpoint ('meta' is not a text entry)")
    meta = validate_meta(path, str(raw))
    if expect_kind is not None and meta["kind"] != expect_kind:
        raise CheckpointError(path, f"holds a {meta['kind']!r} agent, expected {expect_kind!r}")
    arrays = {k[len("param/") :]: v for k, v in members.items() if k.startswith("param/")}
    problems = nn.check_shapes(meta["architecture"], arrays)
    if problems:
        raise CheckpointError(path, "shape mismatch: " + "; ".join(problems))
    for k, v in arrays.items():
        if v.dtype.kind != "f":
            raise CheckpointError(path, f"array {k!r} holds {v.dtype}, expected float32")
    bad = [k for k, v in arrays.items() if not np.all(np.isfinite(v))]
    if bad:
        raise CheckpointError(path, f"arrays hold NaN or infinity: {', '.join(bad)}")
    huge = [k for k, v in arrays.items() if v.size and float(np.abs(v).max()) > MAX_WEIGHT]
    if huge:
        raise CheckpointError(
            path,
            f"weights larger than {MAX_WEIGHT:g} in magnitude (the network's outputs would "
            f"overflow): {', '.join(huge)}",
        )
    return meta, {k: np.asarray(v, np.float32) for k, v in arrays.items()}


def _read_members(path: Path, data: bytes) -> dict[str, np.ndarray]:
    """Every .npy member as an array, each size checked before it is decompressed."""
    from numpy.lib import format as npy

    out: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
        if len(infos) > MAX_MEMBERS:
            raise CheckpointError(path, f"not a checkpoint: {len(infos)} entries (at most {MAX_MEMBERS})")
        total = sum(i.file_size for i in infos)
        big = [i.filename for i in infos if i.file_size > MAX_ARRAY_BYTES]
        if big or total > MAX_TOTAL_BYTES:
            raise CheckpointError(
                path,
                f"arrays too large when decompressed ({total:,} bytes; at most "
                f"{MAX_ARRAY_BYTES:,} per array and {MAX_TOTAL_BYTES:,} in all)",
            )
        for info in infos:
            if not info.filename.endswith(".npy"):
                continue
            name = info.filename[:-4]
            with z.open(info) as fh:
                version = npy.read_magic(fh)
                if version not in ((1, 0), (2, 0), (3, 0)):
                    raise CheckpointError(path, f"entry {name!r} is not a numpy array")
                reader = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
                shape, fortran, dtype = reader(fh, max_header_size=10_000)
                if dtype.hasobject or dtype.kind not in "fU" or dtype.fields is not None:
                    raise CheckpointError(
                        path, f"entry {name!r} holds {dtype}, not plain numbers or text (not a checkpoint)"
                    )
                if len(shape) > 8 or any(int(d) < 0 for d in shape):
                    raise CheckpointError(path, f"entry {name!r} has an impossible shape {shape}")
                nbytes = math.prod(int(d) for d in shape) * dtype.itemsize
                if nbytes > min(MAX_ARRAY_BYTES, info.file_size):
                    raise CheckpointError(
                        path,
                        f"entry {name!r} claims {nbytes:,} bytes, more than the archive holds "
                        f"({info.file_size:,}) or than an array may be ({MAX_ARRAY_BYTES:,})",
                    )
                raw = fh.read(nbytes)
                if len(raw) != nbytes:
                    raise CheckpointError(path, f"entry {name!r} is truncated")
                fh.read(1)  # to the member's end, so that zipfile checks its CRC
            out[name] = np.frombuffer(raw, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    return out


def _depth(value, limit: int) -> int:
    """Nesting depth of a JSON value, without recursion (stops counting past `limit`)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, (dict, list)):
            deepest = max(deepest, d)
            if d > limit:
                return d
            stack.extend((x, d + 1) for x in (v.values() if isinstance(v, dict) else v))
    return deepest


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_meta(path: str | os.PathLike, text: str) -> dict:
    """The one check of a checkpoint's metadata: JSON under MAX_META_CHARS and MAX_META_DEPTH, the
    Red Door format, the fields code reads of the types it expects, and an architecture whose
    every number is a whole number within ARCH_BOUNDS. CheckpointError otherwise."""
    if len(text) > MAX_META_CHARS:
        raise CheckpointError(path, f"metadata is {len(text):,} characters; at most {MAX_META_CHARS:,}")
    try:
        meta = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise CheckpointError(path, "metadata nested too deeply") from None
    except (ValueError, TypeError) as e:
        raise CheckpointError(path, f"metadata is not valid JSON ({e})") from None
    if not isinstance(meta, dict):
        raise CheckpointError(path, "metadata is not valid JSON (not a JSON object)")
    if _depth(meta, MAX_META_DEPTH) > MAX_META_DEPTH:
        raise CheckpointError(path, f"metadata nested too deeply (more than {MAX_META_DEPTH} levels)")
    if meta.get("format") != FORMAT:
        raise CheckpointError(path, f"not a Red Door checkpoint (format {str(meta.get('format'))[:40]!r})")
    missing = [k for k in REQUIRED_META if k not in meta]
    if missing:
        raise CheckpointError(path, f"metadata lacks {', '.join(missing)}")
    for key, want in META_TYPES.items():
        if key in meta and meta[key] is not None and (not isinstance(meta[key], want) or isinstance(meta[key], bool)):
            raise CheckpointError(path, f"metadata field {key!r} is {type(meta[key]).__name__}, not the expected type")
    for key in ("env_steps", "wall_time_s", "final_o_base_train"):
        if isinstance(meta.get(key), float) and not math.isfinite(meta[key]):
            raise CheckpointError(path, f"metadata field {key!r} is not a finite number")
    if meta["obs_layout_version"] != OBS_LAYOUT_VERSION:
        raise CheckpointError(
            path,
            f"observation layout version {meta['obs_layout_version']} does not match this app's "
            f"version {OBS_LAYOUT_VERSION}; retrain the agent",
        )
    if meta.get("format_version", FORMAT_VERSION) > FORMAT_VERSION:
        raise CheckpointError(
            path, f"format version {meta['format_version']} is newer than this app's {FORMAT_VERSION}"
        )
    arch = meta["architecture"]
    if not isinstance(arch, dict) or not isinstance(arch.get("arch"), str):
        raise CheckpointError(path, "metadata 'architecture' is not an object naming its 'arch'")
    bounds = ARCH_BOUNDS.get(arch["arch"])
    if bounds is None:
        raise CheckpointError(
            path, f"unknown architecture {arch['arch'][:40]!r}; expected one of {', '.join(ARCH_BOUNDS)}"
        )
    for key, (low, high) in bounds.items():
        value = arch.get(key)
        if not _whole(value):
            raise CheckpointError(path, f"architecture field {key!r} is {str(value)[:40]!r}, not a whole number")
        if not low <= value <= high:
            raise CheckpointError(path, f"architecture field {key!r} is {value}; expected {low} to {high}")
    return meta
