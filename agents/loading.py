"""Find an agent by name or checkpoint path: `load_agent('ppo')`, `load_agent('path/to/x.npz')`."""
from __future__ import annotations

import os
from pathlib import Path

from game.paths import asset_path

from .base import REGISTRY, Agent, make_agent
from .checkpoint import CheckpointError, read_checkpoint
from .classifier import ClassifierAgent
from .mesa import MesaAgent
from .ppo import PPOAgent

LEARNED_KINDS = {"ppo": PPOAgent, "classifier": ClassifierAgent, "mesa": MesaAgent}

__all__ = ["load_agent", "shipped_path", "CheckpointError", "LEARNED_KINDS"]


def shipped_path(kind: str, distribution: str = "train") -> Path:
    """Where the shipped weights of a learned kind live: assets/agents/<kind>-<distribution>.npz."""
    return asset_path("agents", f"{kind}-{distribution}.npz")


def load_agent(spec: str | os.PathLike, name: str | None = None, seed: int = 0) -> Agent:
    """An agent from a spec: 'oracle' / 'random', a learned kind ('ppo' = its shipped train weights),
    '<kind>-<distribution>' (e.g. 'mesa-diverse'), or a checkpoint path.

    Raises CheckpointError (a ValueError) naming the file and the problem, or ValueError for an
    unknown name.
    """
    text = str(spec)
    if text in REGISTRY and text not in LEARNED_KINDS:
        return make_agent(text, name=name) if text != "random" else make_agent(text, name=name, seed=seed)
    path: Path
    expect = None
    if text in LEARNED_KINDS:
        path, expect = shipped_path(text), text
    elif "-" in text and text.split("-", 1)[0] in LEARNED_KINDS and not text.endswith(".npz") and os.sep not in text:
        path, expect = shipped_path(*text.split("-", 1)), text.split("-", 1)[0]
    elif text.endswith(".npz") or os.sep in text or Path(text).exists():
        path = Path(text)
    else:
        known = sorted(set(REGISTRY) | set(LEARNED_KINDS))
        raise ValueError(f"unknown agent {text!r}; expected one of {', '.join(known)}, "
                         f"<kind>-<distribution> (e.g. ppo-diverse) or a checkpoint path")
    meta, params = read_checkpoint(path, expect)
    cls = LEARNED_KINDS.get(meta["kind"])
    if cls is None:
        raise CheckpointError(path, f"unknown agent kind {meta['kind']!r}; expected one of {', '.join(LEARNED_KINDS)}")
    default_name = Path(path).stem if Path(path).stem != meta["kind"] else meta["kind"]
    return cls(meta, params, name=name or default_name, seed=seed)
