"""Which agents a command plays and what its table calls them.

Specs (kind names, shipped variants, checkpoint paths, study folders, 'shipped', each with
`:key=value` options) are expanded, checked for weights, given the decoders --decode asks for,
and labelled for the table's rows.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from reddoor.agents.loading import (
    LEARNED_KINDS,
    CheckpointError,
    join_spec,
    load_agent,
    shipped_path,
    split_spec,
    with_option,
)


@functools.lru_cache(maxsize=256)
def agent_label(spec: str) -> str:
    """A table's name for an agent: a checkpoint file's stem (with its study's folder for a study's
    seeds/ checkpoint, so two studies' seed-0000 stay apart), else the loaded agent's name (which
    carries the kind, rounds K and training distribution, e.g. imitation-k48); then the spec's
    options but decode (a column of its own), e.g. mesa:commit=threshold:0."""
    text, options = split_spec(spec)
    suffix = join_spec("", [(k, v) for k, v in options if k != "decode"])
    if text.endswith(".npz") or os.sep in text:
        path = Path(text)
        if path.parent.name == "seeds" and path.parent.parent.name:
            return f"{path.parent.parent.name}/{path.stem}{suffix}"
        return path.stem + suffix
    try:
        return load_agent(text).name + suffix
    except ValueError:
        return text + suffix


@functools.lru_cache(maxsize=256)
def agent_decoding(spec: str) -> str:
    """What a row's `decode` column says for the agent of `spec`: greedy or sample for a kind with
    a distribution over moves, else the rule its moves come from (plan, uniform)."""
    return load_agent(spec).decoding


@functools.lru_cache(maxsize=256)
def agent_rounds(spec: str) -> int | None:
    """What a row's `rounds_test` column says: the rounds a FieldNet thinks for in this spec (its
    trained K unless the spec says @K), None for a kind without rounds."""
    return load_agent(spec).rounds


def with_rounds(specs: Sequence[str], rounds: Sequence[int] | None) -> list[str]:
    """The specs under --rounds-test: each FieldNet once per K in `rounds` (K = its trained rounds is
    the plain spec, so its rows keep their usual name); a spec that names its own @K keeps it, and an
    agent without rounds is played once, as it is. `rounds` None or empty: the specs as they are."""
    if not rounds:
        return list(specs)
    out: list[str] = []
    for spec in specs:
        head, options = split_spec(spec)
        trained = load_agent(spec).trained_rounds
        if trained is None or any(k == "rounds" for k, _ in options):
            out.append(spec)
            continue
        out += [spec if k == trained else with_option(spec, "rounds", str(k)) for k in rounds]
    return list(dict.fromkeys(out))


DECODES = ("default", "greedy", "sample", "both")


def with_decoding(specs: Sequence[str], decode: str) -> list[str]:
    """The specs under --decode: 'default' leaves each agent with its kind's own decoder; 'greedy' or
    'sample' sets it on every agent that has a distribution over moves; 'both' plays each such agent
    twice, greedy then sampled. A spec that names its own decode= keeps it. Agents whose moves come
    from a rule (oracle, mesa, random) are played once, as they are."""
    if decode not in DECODES:
        raise ValueError(f"unknown decoding {decode!r}; expected one of {', '.join(DECODES)}")
    out: list[str] = []
    for spec in specs:
        named = any(k == "decode" for k, _ in split_spec(spec)[1])
        if decode == "default" or named or not load_agent(spec).decoders:
            out.append(spec)
        else:
            out += [with_option(spec, "decode", d) for d in (("greedy", "sample") if decode == "both" else (decode,))]
    return list(dict.fromkeys(out))


def shipped_agents(report: Callable[[str], None] = print) -> list[str]:
    """The default line-up: the oracle, every shipped learned agent (every checkpoint in
    assets/agents, kind by kind), random. A learned kind without its default shipped weights is
    reported."""
    specs = ["oracle"]
    for kind in LEARNED_KINDS:  # agents/kinds.py, in registry order
        default = shipped_path(kind)
        if not default.exists():
            report(f"skipping {kind}: no shipped weights at {default}")
        specs += sorted(p.stem for p in default.parent.glob(f"{kind}-*.npz"))
    return specs + ["random"]


def expand_agents(words: Sequence[str], report=print) -> list[str]:
    """Agent specs, with a study folder (one holding seeds/) standing for every checkpoint in it and
    'shipped' for the default line-up (every shipped agent, oracle and random)."""
    out: list[str] = []
    for w in words:
        path = Path(w)
        if w == "shipped":
            out += shipped_agents(report)
        elif path.is_dir() and (path / "seeds").is_dir():
            out += sorted(str(p) for p in (path / "seeds").glob("*.npz"))
        else:
            out.append(w)
    return out


def usable_agents(specs: Sequence[str], report: Callable[[str], None] = print) -> list[str]:
    """The specs whose weights can be loaded; a missing file is skipped with a message, any other
    problem (unknown name, corrupted file) raises."""
    out = []
    for spec in specs:
        try:
            load_agent(spec)
        except CheckpointError as e:
            if e.problem != "file not found":
                raise
            report(f"skipping {spec}: {e}")
            continue
        out.append(spec)
    return out
