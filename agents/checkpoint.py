"""Checkpoint files: named float32 arrays plus a JSON metadata string in one .npz, no pickle anywhere.

Layout: `meta` is a 0-d unicode array holding JSON (kind, architecture config, observation layout
version, training distribution, seed, environment steps, wall time, final O_base rate on the
training distribution, the command that reproduces it); every other entry `param/<name>` is one
array of the network. Reading uses allow_pickle=False, so a downloaded file cannot run code.
"""
from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np

from game.core.observation import OBS_LAYOUT_VERSION

from . import nn

FORMAT = "reddoor-agent"
FORMAT_VERSION = 1
REQUIRED_META = ("kind", "architecture", "obs_layout_version")


class CheckpointError(ValueError):
    """A checkpoint that cannot be used; the message names the file and what is wrong."""

    def __init__(self, path: str | os.PathLike, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"checkpoint {self.path}: {problem}")


def save_checkpoint(path: str | os.PathLike, params: dict[str, np.ndarray], meta: dict) -> Path:
    """Write `params` and `meta` (must hold kind and architecture) to `path` atomically."""
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
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, path)
    return path


def read_checkpoint(path: str | os.PathLike, expect_kind: str | None = None) -> tuple[dict, dict[str, np.ndarray]]:
    """(metadata, arrays) from a checkpoint, or CheckpointError saying what is wrong with it."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(path, "file not found")
    if path.is_dir():
        raise CheckpointError(path, "is a folder, not a checkpoint file")
    if path.stat().st_size == 0:
        raise CheckpointError(path, "file is empty")
    try:
        with open(path, "rb") as f:
            head = f.read(4)
        if head != b"PK\x03\x04":
            raise CheckpointError(path, "not a checkpoint (not an .npz archive)")
        with np.load(path, allow_pickle=False) as data:
            names = list(data.files)
            if "meta" not in names:
                raise CheckpointError(path, "not a Red Door checkpoint (no 'meta' entry)")
            raw = data["meta"]
            arrays = {k[len("param/"):]: np.asarray(data[k]) for k in names if k.startswith("param/")}
    except CheckpointError:
        raise
    except zipfile.BadZipFile as e:
        raise CheckpointError(path, f"corrupted or truncated archive ({e})") from None
    except (EOFError, OSError, zipfile.LargeZipFile) as e:
        raise CheckpointError(path, f"truncated or unreadable ({e.__class__.__name__}: {e})") from None
    except ValueError as e:
        raise CheckpointError(path, f"corrupted or not a checkpoint ({e})") from None
    except Exception as e:  # zlib.error and friends from a damaged member
        raise CheckpointError(path, f"corrupted archive ({e.__class__.__name__}: {e})") from None
    try:
        meta = json.loads(str(raw))
        if not isinstance(meta, dict):
            raise ValueError("metadata is not a JSON object")
    except (ValueError, TypeError) as e:
        raise CheckpointError(path, f"metadata is not valid JSON ({e})") from None
    if meta.get("format") != FORMAT:
        raise CheckpointError(path, f"not a Red Door checkpoint (format {meta.get('format')!r})")
    missing = [k for k in REQUIRED_META if k not in meta]
    if missing:
        raise CheckpointError(path, f"metadata lacks {', '.join(missing)}")
    if meta["obs_layout_version"] != OBS_LAYOUT_VERSION:
        raise CheckpointError(path, f"observation layout version {meta['obs_layout_version']} does not match this app's "
                                    f"version {OBS_LAYOUT_VERSION}; retrain the agent")
    if expect_kind is not None and meta["kind"] != expect_kind:
        raise CheckpointError(path, f"holds a {meta['kind']!r} agent, expected {expect_kind!r}")
    problems = nn.check_shapes(meta["architecture"], arrays)
    if problems:
        raise CheckpointError(path, "shape mismatch: " + "; ".join(problems))
    bad = [k for k, v in arrays.items() if not np.all(np.isfinite(v))]
    if bad:
        raise CheckpointError(path, f"arrays hold NaN or infinity: {', '.join(bad)}")
    return meta, arrays
