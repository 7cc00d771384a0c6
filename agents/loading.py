"""Find an agent by name or checkpoint path: `load_agent('ppo')`, `load_agent('path/to/x.npz')`."""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from reddoor.game.paths import asset_path

from . import kinds as _kinds
from .base import REGISTRY, Agent, make_agent
from .checkpoint import CheckpointError, read_checkpoint

for _module in _kinds.inference_modules():
    importlib.import_module(_module)  # registers each kind's Agent class


def agent_class(kind: str) -> type[Agent]:
    """The Agent class of a registered kind (agents/kinds.py), its inference module imported."""
    entry = _kinds.KINDS[_kinds.canonical(kind)]
    if entry.name not in REGISTRY:
        importlib.import_module(entry.module)
    if entry.name not in REGISTRY:
        raise ValueError(
            f"{entry.module} registers no agent class of kind {entry.name!r} "
            f"(agents/kinds.py names it as that kind's module)"
        )
    return REGISTRY[entry.name]


class _LearnedClasses(Mapping):
    """kind -> Agent class for every learned kind, read from the registry at each use (so a kind
    added to agents/kinds.py, even at run time, is found)."""

    def __getitem__(self, kind: str) -> type[Agent]:
        if kind not in _kinds.learned_kinds():
            raise KeyError(kind)
        return agent_class(kind)

    def __iter__(self) -> Iterator[str]:
        return iter(_kinds.learned_kinds())

    def __len__(self) -> int:
        return len(_kinds.learned_kinds())


LEARNED_KINDS: Mapping[str, type[Agent]] = _LearnedClasses()


def default_distribution(kind: str) -> str:
    """What a bare kind name loads: its shipped weights on this distribution."""
    entry = _kinds.KINDS.get(_kinds.canonical(kind))
    return entry.default_distribution if entry is not None else "train"


__all__ = ["load_agent", "shipped_path", "agent_class", "CheckpointError", "LEARNED_KINDS"]


def shipped_path(kind: str, distribution: str | None = None) -> Path:
    """Where the shipped weights of a learned kind live: assets/agents/<kind>-<distribution>.npz."""
    kind = _kinds.canonical(kind)
    return asset_path("agents", f"{kind}-{distribution or default_distribution(kind)}.npz")


def display_name(meta: dict, fallback: str) -> str:
    """What tables and panels call an agent: the kind, rounds K for a FieldNet, and the training
    distribution unless it is the kind's usual one, e.g. 'imitation-k8', 'ppo-k48-diverse',
    'reflex' (open rooms), 'reflex-train' (mazes), 'mesa'."""
    kind = _kinds.canonical(meta.get("kind")) or fallback
    arch = meta.get("architecture") or {}
    parts = [str(kind)]
    if arch.get("arch") == "fieldnet" and "iterations" in arch:
        parts.append(f"k{arch['iterations']}")
    dist = meta.get("training_distribution")
    if dist and dist != default_distribution(kind):
        parts.append(str(dist))
    return "-".join(parts)


# An option follows the agent as ':key=value' (a value may hold ':' itself, as in commit=threshold:0).
_OPTION = re.compile(r":(?=[a-z_]+=)")


# Thinking time written on the agent: 'imitation-k48@96' is 'imitation-k48:rounds=96'.
_AT_ROUNDS = re.compile(r"(.+)@(\d+)")


def split_spec(spec: str | os.PathLike) -> tuple[str, list[tuple[str, str]]]:
    """An agent spec's agent and its options: 'mesa:commit=threshold:0' -> ('mesa', [('commit',
    'threshold:0')]); 'reflex:decode=sample' -> ('reflex', [('decode', 'sample')]);
    'imitation-k48@96' -> ('imitation-k48', [('rounds', '96')])."""
    head, *options = _OPTION.split(str(spec))
    out = []
    at = _AT_ROUNDS.fullmatch(head)
    if at and not Path(head).exists():
        head = at.group(1)
        out.append(("rounds", at.group(2)))
    for option in options:
        key, _, value = option.partition("=")
        if not value:
            raise ValueError(f"agent option {option!r} in {str(spec)!r} has no value; expected e.g. decode=sample")
        out.append((key, value))
    return head, out


def option_text(key: str, value: str) -> str:
    """How an option is written after the agent: '@96' for rounds, ':decode=sample' for the rest."""
    return f"@{value}" if key == "rounds" else f":{key}={value}"


def join_spec(head: str, options: list[tuple[str, str]]) -> str:
    """The spec of `head` with `options`, rounds first (as split_spec reads it back)."""
    ordered = sorted(options, key=lambda kv: kv[0] != "rounds")
    return head + "".join(option_text(k, v) for k, v in ordered)


def with_option(spec: str, key: str, value: str) -> str:
    """`spec` with option key=value (replacing that key if it is there)."""
    head, options = split_spec(spec)
    return join_spec(head, [(k, v) for k, v in options if k != key] + [(key, value)])


def load_agent(spec: str | os.PathLike, name: str | None = None, seed: int = 0) -> Agent:
    """An agent from a spec: 'oracle' / 'random', a learned kind ('ppo' = its shipped train weights),
    '<kind>-<distribution>' (e.g. 'mesa-diverse'), or a checkpoint path; then any options, each
    ':key=value': decode=greedy|sample for the kinds with a distribution over moves, commit=... for
    mesa (agents/mesa.py), rounds=K (or '@K' after the agent: 'imitation-k48@96') for a FieldNet's
    rounds at test time. Each option is part of the agent's name (decode only where it is not the
    kind's own); tables name the decoder in a column of its own (lab.lineup.agent_label).

    Raises CheckpointError (a ValueError) naming the file and the problem, or ValueError for an
    unknown name or option.
    """
    text, options = split_spec(spec)
    agent = _load_plain(text, name, seed)
    default = agent.decode
    for key, value in sorted(options, key=lambda kv: kv[0] != "rounds"):
        agent.set_option(key, value)
        if (key != "decode" or value != default) and name is None:  # a panel tells 'reflex' from 'reflex:decode=sample'
            agent.name += option_text(key, value)
    return agent


def _load_plain(text: str, name: str | None, seed: int) -> Agent:
    head = text.split("-", 1)[0]
    is_name = not text.endswith(".npz") and os.sep not in text
    if head in _kinds.ALIASES and is_name and not asset_path("agents", f"{text}.npz").exists():
        text = _kinds.canonical(head) + text[len(head) :]
    if text in _kinds.KINDS and not _kinds.KINDS[text].learned:
        agent_class(text)  # imports its module, should the kind have been added since this module loaded
    if text in REGISTRY and text not in LEARNED_KINDS:
        return make_agent(text, name=name) if text != "random" else make_agent(text, name=name, seed=seed)
    path: Path
    expect = None
    rounds = re.fullmatch(r"([a-z]+)-k(\d+)(?:-(.+))?", text) if is_name else None
    if text in LEARNED_KINDS:
        path, expect = shipped_path(text), text
    elif rounds and rounds.group(1) in LEARNED_KINDS:
        # A table's name, e.g. imitation-k8 or ppo-k48-diverse: <kind>-k<K>-<distribution>.npz,
        # or for K = 48 (the default rounds) the plain <kind>-<distribution>.npz.
        kind, k, dist = rounds.group(1), int(rounds.group(2)), rounds.group(3)
        path, expect = shipped_path(kind, f"k{k}-{dist or default_distribution(kind)}"), kind
        if not path.exists() and k == 48:
            path = shipped_path(kind, dist)
    elif "-" in text and text.split("-", 1)[0] in LEARNED_KINDS and not text.endswith(".npz") and os.sep not in text:
        path, expect = shipped_path(*text.split("-", 1)), text.split("-", 1)[0]
    elif text.endswith(".npz") or os.sep in text or Path(text).exists():
        path = Path(text)
    else:
        known = sorted(set(REGISTRY) | set(LEARNED_KINDS))
        raise ValueError(
            f"unknown agent {text!r}; expected one of {', '.join(known)}, "
            f"<kind>-<distribution> (e.g. ppo-diverse) or a checkpoint path"
        )
    meta, params = read_checkpoint(path)
    kind = _kinds.canonical(meta["kind"])
    if expect is not None and kind != expect:
        raise CheckpointError(path, f"holds a {meta['kind']!r} agent, expected {expect!r}")
    if rounds and (meta.get("architecture") or {}).get("iterations") != int(rounds.group(2)):
        raise CheckpointError(
            path,
            f"holds a net of {(meta.get('architecture') or {}).get('iterations')} rounds, "
            f"not the {rounds.group(2)} that {text!r} names",
        )
    cls = LEARNED_KINDS.get(kind)
    if cls is None:
        raise CheckpointError(
            path, f"unknown agent kind {str(meta['kind'])[:40]!r}; expected one of {', '.join(LEARNED_KINDS)}"
        )
    problem = cls.config_problem(meta["architecture"])
    if problem:
        raise CheckpointError(path, problem)
    agent = cls(meta, params, name=name or display_name(meta, Path(path).stem), seed=seed)
    problem = agent.output_problem()
    if problem:
        raise CheckpointError(path, problem)
    return agent
