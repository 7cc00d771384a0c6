"""The experiment: agents x distributions x episodes, scored under O_base, O_alt and any objective.

`run_table` plays every agent on the same unseen levels of each distribution (level seeds from
EVAL_SEED_BASE up, never used in training) and returns one result row per (agent, distribution)
with counts, rates and 95% Wilson intervals. The work is cut into fixed chunks of levels; in a
chunk, every agent's episode on every level sits in one BatchedEnv and all step together. The
chunks run in worker processes (`jobs`) and the result does not depend on how many.
`main` is `python main.py eval` (see `--help`); lab/report.py draws the table.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import signal
import sys
import threading
import time
import zlib
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from game.blas import limit_blas_threads
from game.core.batched import BatchedEnv, LevelPool
from game.core.constants import ACTION_DELTAS
from game.core.generators import DISTRIBUTIONS, EVAL_SEED_BASE, TWIN_EDITS, distribution_problem, generate, max_side
from game.core.objectives import TIMEOUT, Objective, get_objective, other_objective_names, outcome_hits, parse_objectives
from game.core.world import path_efficiency
from agents.base import counter_uniforms, sample_moves
from game.cli_args import MAX_EPISODES, MAX_JOBS, MAX_SEED, Parser, count, fail, name_list, output_problem
from lab.stats import mean_interval, wilson

# The default table: the maze distributions of the first build (the counterfactual and open-room
# distributions are asked for by name, or all at once with --distributions all).
DEFAULT_DISTRIBUTIONS = ("train", "blue-door", "conflict", "swap", "diverse", "large")
SEED_STRIDE = 100_000  # eval seed s plays levels EVAL_SEED_BASE + s * SEED_STRIDE + 0, 1, ...
CHUNK = 100  # levels per unit of work; fixed, so that results do not depend on --jobs
DEFAULT_EPISODES = 500
CYCLE, LIMIT = "cycle", "limit"  # the two kinds of timeout


def eval_first_seed(seed: int) -> int:
    return EVAL_SEED_BASE + int(seed) * SEED_STRIDE


# -- playing ----------------------------------------------------------------------------------
_DELTAS = np.array(ACTION_DELTAS, np.int64)


def play_together(agents: Sequence, pool: LevelPool, seed: int = 0,
                  on_done: Callable[[int], None] | None = None, intervention=None,
                  end_loops: bool = True) -> list[dict[str, np.ndarray]]:
    """Every agent plays every level of `pool` once, all episodes stepped together in one BatchedEnv.

    Slot j * L + i of the env is agent j on level i. Each agent acts on its own slots that are
    still running; a slot's first episode is recorded and the env's auto-reset after it is ignored.
    Returns, per agent, per-level arrays: reached_kind, reached_color (-1 = timeout), steps, shortest,
    reached_cell (row, col; -1, -1 = timeout).

    `intervention` (lab.signature.Intervention, e.g. swap@K): after K steps every episode still
    running goes on in its own changed copy of its level (`intervention.apply(level, cell)`); then
    also ended_before_k (ended at or before step K: never changed), intervened (changed) and
    exchanged (door row, col, red row, col of a move; -1 otherwise).

    `end_loops`: an episode of a deterministic agent (Agent.deterministic) that steps back onto a
    cell it has stood on since its level last changed can only go round that loop until the step
    limit, so it is recorded then and there as the timeout it will be (steps = the limit), not
    stepped to the end. The outcomes are the same either way; most of the steps of an evaluation
    were such loops. Before an intervention's step K nothing is ended early (the level changes at K).
    Every agent's `cycled` says which of its timeouts were such loops (exact: a deterministic policy
    back in a state it has been in); its other timeouts reached the step limit still moving.

    An agent decoding by sampling (Agent.decoding == "sample") draws each move from its own
    move_probs with a uniform number fixed by (seed, agent name, level index, step)
    (agents.base.counter_uniforms), so its episode on a level is the same whoever plays beside it.
    Also per episode: nearest_shortest, the moves from the start to the nearest object (0: none).
    """
    limit_blas_threads(1)  # small matrices: one BLAS thread (game/blas.py says why)
    n, a = len(pool), len(agents)
    env = BatchedEnv(pool, a * n, seed, draw="sequential")  # sequential: slot k starts on level k % n
    obs = env.reset()
    for agent in agents:
        agent.reset(seed)
    active = np.ones(a * n, bool)
    reached_kind = np.full(a * n, -1, np.int64)
    reached_color = np.full(a * n, -1, np.int64)
    steps = np.zeros(a * n, np.int64)
    shortest = np.zeros(a * n, np.int64)
    reached_cell = np.full((a * n, 2), -1, np.int64)
    actions = np.zeros(a * n, np.int64)
    cycled = np.zeros(a * n, bool)
    sampled = [getattr(agent, "decoding", "") == "sample" for agent in agents]
    draw_keys = [_draw_keys(seed, agent, n) if sampled[j] else None for j, agent in enumerate(agents)]
    if intervention is not None:
        ended_before = np.ones(a * n, bool)
        intervened = np.zeros(a * n, bool)
        exchanged = np.full((a * n, 4), -1, np.int64)
    loops = (np.repeat([getattr(agent, "deterministic", False) is True for agent in agents], n) if end_loops
             else np.zeros(a * n, bool))
    watch_from = 0 if intervention is None else intervention.k  # the step from which levels stay as they are
    visited = np.zeros((a * n, pool.canvas, pool.canvas), bool) if loops.any() else None
    t = 0  # steps taken: every running episode started together, so each has taken t steps
    while active.any():
        if intervention is not None and t == intervention.k:
            ended_before[:] = ~active
            changed, levels = [], []
            for slot in np.flatnonzero(active):
                result = intervention.apply(pool.levels[slot % n], tuple(int(x) for x in env.agent_pos[slot]))
                if result is not None:
                    changed.append(slot)
                    levels.append(result[0])
                    if result[1] is not None:
                        exchanged[slot] = [*result[1][0], *result[1][1]]
            env.switch_levels(np.array(changed, np.int64), levels)
            intervened[changed] = True
        if visited is not None and t == watch_from:
            visited[np.arange(a * n), env.agent_pos[:, 0], env.agent_pos[:, 1]] = True
        actions[:] = 0
        for j, agent in enumerate(agents):
            slots = j * n + np.flatnonzero(active[j * n:(j + 1) * n])
            if slots.size and sampled[j]:
                actions[slots] = sample_moves(agent.move_probs(obs[slots]), counter_uniforms(draw_keys[j][slots - j * n], t))
            elif slots.size:
                actions[slots] = agent.act_batch(obs[slots])
        before = env.agent_pos.copy()
        obs, _, terminated, _, info = env.step(actions)
        t += 1
        done = info["done"] & active
        if done.any():
            hit = done & terminated  # moving into an object ends the episode: the cell moved into
            reached_cell[hit] = before[hit] + _DELTAS[actions[hit]]
            reached_kind[done] = info["reached_kind"][done]
            reached_color[done] = info["reached_color"][done]
            steps[done] = info["steps"][done]
            shortest[done] = info["shortest"][done]
            active &= ~done
            if on_done:
                on_done(int(done.sum()))
        if visited is not None and t > watch_from:
            watched = np.flatnonzero(active & loops)
            row, col = env.agent_pos[watched, 0], env.agent_pos[watched, 1]
            again = visited[watched, row, col]
            visited[watched, row, col] = True
            looped = watched[again]
            if looped.size:  # the timeout each will reach: nothing reached, at the level's step limit
                level = env.level_index[looped]
                steps[looped] = env.pool.limit[level]
                shortest[looped] = env.pool.door_shortest[level]
                active[looped] = False
                cycled[looped] = True
                if on_done:
                    on_done(int(looped.size))
    out = [{"reached_kind": reached_kind[j * n:(j + 1) * n], "reached_color": reached_color[j * n:(j + 1) * n],
            "steps": steps[j * n:(j + 1) * n], "shortest": shortest[j * n:(j + 1) * n],
            "reached_cell": reached_cell[j * n:(j + 1) * n], "cycled": cycled[j * n:(j + 1) * n],
            "nearest_shortest": pool.nearest_shortest.copy()} for j in range(a)]
    if intervention is not None:
        for j, o in enumerate(out):
            o.update(ended_before_k=ended_before[j * n:(j + 1) * n], intervened=intervened[j * n:(j + 1) * n],
                     exchanged=exchanged[j * n:(j + 1) * n])
    return out


def _draw_keys(seed: int, agent, n: int) -> np.ndarray:
    """One uint64 key per level of a chunk for a sampling agent: (seed, the agent's name and decoder, level)."""
    from agents.loading import split_spec
    base, options = split_spec(agent.name)  # the name without its decode option: the decoder is keyed apart
    name = base + "".join(f":{k}={v}" for k, v in options if k != "decode")
    head = (int(seed) & 0xFFFFFFFF) << 32 | zlib.crc32(f"{name}|{agent.decoding}".encode())
    return np.uint64(head) ^ (np.arange(n, dtype=np.uint64) * np.uint64(0xD1B54A32D192ED03))


def play(agent, pool: LevelPool, episodes: int | None = None, seed: int = 0) -> dict[str, np.ndarray]:
    """Each of the first `episodes` pool levels played once by one agent: per-episode outcome arrays."""
    if episodes is not None and episodes < len(pool):
        pool = LevelPool(pool.levels[:episodes], pool.canvas)
    return play_together([agent], pool, seed)[0]


def summarise(episodes: dict[str, np.ndarray], objectives: Sequence[Objective] = ()) -> dict:
    """One cell of the table from per-episode outcomes: for O_base, O_alt, both, neither (reached an
    object satisfying neither: a capability failure), timeout (reached nothing; split into cycle, a
    deterministic policy's loop, and limit, the step limit reached while moving) and each extra
    objective, the rate, its 95% Wilson interval and its count; path efficiency (shortest path /
    steps, over episodes that reached an object) with a 95% interval; mean steps."""
    kind, colour = episodes["reached_kind"], episodes["reached_color"]
    n = int(kind.size)
    reached = kind >= 0
    hits = outcome_hits(kind, colour)  # O_base, O_alt, both, neither, timeout (game/core/objectives.py)
    cycled = episodes.get("cycled", np.zeros(n, bool))
    hits[CYCLE] = hits[TIMEOUT] & cycled  # a deterministic policy's loop (cut where it closed)
    hits[LIMIT] = hits[TIMEOUT] & ~cycled  # the step limit reached while still moving
    at_nearest = reached & (episodes["shortest"] == episodes["nearest_shortest"]) if "nearest_shortest" in episodes else None
    for obj in objectives:
        if obj.name not in hits:
            hits[obj.name] = obj.score_batch(kind, colour, at_nearest if obj.nearest else None) > 0
    out: dict = {"episodes": n}
    for name, hit in hits.items():
        k = int(hit.sum())
        lo, hi = wilson(k, n)
        out[name] = round(k / n, 4) if n else float("nan")
        out[f"{name}_ci"] = [round(lo, 4), round(hi, 4)]
        out[f"{name}_count"] = k
    eff = path_efficiency(episodes["shortest"][reached], episodes["steps"][reached])
    mean, lo, hi = mean_interval(eff.tolist())  # NaN when nothing was reached
    out["efficiency"] = round(mean, 4)
    out["efficiency_ci"] = [round(max(0.0, lo), 4), round(min(1.0, hi), 4)] if eff.size else [mean, mean]
    out["mean_steps"] = round(float(episodes["steps"].mean()), 2) if n else float("nan")
    return out


# -- the table --------------------------------------------------------------------------------
def chunk_seed(seed: int, distribution: str, start: int) -> int:
    """The agents' and env's seed for one chunk: fixed by the chunk, whoever plays it."""
    return int(np.random.SeedSequence([int(seed), zlib.crc32(distribution.encode()), int(start)]).generate_state(1)[0])


@functools.lru_cache(maxsize=256)
def agent_label(spec: str) -> str:
    """A table's name for an agent: a checkpoint file's stem (with its study's folder for a study's
    seeds/ checkpoint, so two studies' seed-0000 stay apart), else the loaded agent's name (which
    carries the kind, rounds K and training distribution, e.g. imitation-k48); then the spec's
    options but decode (a column of its own), e.g. mesa:commit=threshold:0."""
    from agents.loading import load_agent, split_spec

    text, options = split_spec(spec)
    suffix = "".join(f":{k}={v}" for k, v in options if k != "decode")
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
    from agents.loading import load_agent
    return load_agent(spec).decoding


DECODES = ("default", "greedy", "sample", "both")


def with_decoding(specs: Sequence[str], decode: str) -> list[str]:
    """The specs under --decode: 'default' leaves each agent with its kind's own decoder; 'greedy' or
    'sample' sets it on every agent that has a distribution over moves; 'both' plays each such agent
    twice, greedy then sampled. A spec that names its own decode= keeps it. Agents whose moves come
    from a rule (oracle, mesa, random) are played once, as they are."""
    from agents.loading import load_agent, split_spec, with_option

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


_WORKER_AGENTS: list | None = None


def _load_agents(specs: Sequence[str], seed: int) -> list:
    from agents.loading import load_agent
    return [load_agent(spec, seed=seed) for spec in specs]


def _init_worker(specs: Sequence[str], seed: int) -> None:
    global _WORKER_AGENTS
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle (it ends the workers)
    _WORKER_AGENTS = _load_agents(specs, seed)


def _play_in_workers(tasks, specs, seed, ivs, jobs):
    """Yield ((distribution, start, count), chunk result) as worker processes finish them.

    The workers ignore SIGINT (they are started with it ignored, so even one still importing
    never prints a traceback); on Ctrl-C the parent ends them all and lets KeyboardInterrupt go
    on, so the command stops at once with no process left behind."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    main_thread = threading.current_thread() is threading.main_thread()  # only it may set handlers
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None  # the workers inherit it
    before = set(multiprocessing.active_children())
    try:
        pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(specs, seed))
        futures = {pool.submit(_play_chunk, d, start, count, seed, None, ivs[d]): (d, start, count)
                   for d, start, count in tasks}  # the pool starts its worker processes here
    finally:
        if main_thread:
            signal.signal(signal.SIGINT, previous)
    workers = [proc for proc in multiprocessing.active_children() if proc not in before]
    try:
        for fut in as_completed(futures):
            yield futures[fut], fut.result()
    except BaseException:  # Ctrl-C, a worker's error, or the caller closing early
        for proc in workers:  # a running chunk would otherwise be finished first
            if proc.is_alive():
                proc.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _play_chunk(distribution: str, start: int, count: int, seed: int, agents: Sequence | None = None,
                interventions: Sequence = ()) -> dict[str | None, list[dict]]:
    """One chunk of levels played by every agent: {None: the plain run, intervention label: that
    intervention's run on the same levels with the same seed, its episodes classified}."""
    from lab import signature

    agents = agents if agents is not None else _WORKER_AGENTS
    first = eval_first_seed(seed) + start
    pool = LevelPool([generate(distribution, first + i) for i in range(count)])
    cs = chunk_seed(seed, distribution, start)
    plain = play_together(agents, pool, cs)
    for outcome in plain:
        outcome.update(signature.per_episode_columns(distribution, pool.levels, outcome))
    out: dict[str | None, list[dict]] = {None: plain}
    for iv in interventions:
        changed = play_together(agents, pool, cs, intervention=iv)
        for base, outcome in zip(plain, changed):
            outcome.update(signature.classify(iv, pool.levels, base, outcome))
        out[iv.label] = changed
    return out


def run_table(agent_specs: Sequence[str], distributions: Sequence[str], episodes: int, seed: int = 0,
              objectives: Sequence[str | Objective] = (), jobs: int = 1, progress: bool | Callable[[int], None] = False,
              agents: Sequence | None = None, interventions: Sequence = (),
              intervene_on: Sequence[str] | None = None, keep_episodes: bool = False) -> list[dict]:
    """One result row per (agent, distribution), every agent on the same `episodes` levels of each
    distribution (level seeds eval_first_seed(seed) + 0, 1, ...). `jobs` > 1 plays chunks in that
    many worker processes, each loading the agents itself; with one job, already loaded `agents`
    (one per spec) may be passed in. `progress` True draws a bar (stderr), or is called with the
    number of episodes just finished.

    Rows of `detour` and `doorless` carry a `detour` / `doorless` entry (lab/signature.py). Each of
    `interventions` (lab.signature.Intervention) on the distributions in `intervene_on` (default:
    all) adds, after that distribution's plain rows, one row per agent of the same levels played
    with the intervention, with `intervention` naming it and holding its tracking rates.
    `keep_episodes` adds each row's per-episode arrays as `per_episode` (for lab/goals.py; not JSON)."""
    objs = [o if isinstance(o, Objective) else get_objective(o) for o in objectives]
    specs = [str(s) for s in agent_specs]
    tasks = [(d, start, min(CHUNK, episodes - start)) for d in distributions for start in range(0, episodes, CHUNK)]
    ivs = {d: tuple(interventions) if intervene_on is None or d in intervene_on else () for d in distributions}
    # Biggest mazes first, so that no worker is left alone with a slow chunk at the end.
    tasks.sort(key=lambda t: -max_side(t[0]))
    jobs = max(1, min(int(jobs), len(tasks)))
    if agents is None and jobs == 1:
        agents = _load_agents(specs, seed)
    total = len(specs) * episodes * sum(1 + len(ivs[d]) for d in distributions)
    bar, tick = None, (progress if callable(progress) else None)
    if progress is True:
        from tqdm import tqdm
        bar = tqdm(total=total, unit="ep", desc="eval", file=sys.stderr, smoothing=0.1)
        tick = bar.update
    results: dict[tuple[str, int], list[dict]] = {}
    try:
        if jobs == 1:
            for d, start, levels in tasks:
                results[(d, start)] = _play_chunk(d, start, levels, seed, agents, ivs[d])
                if tick:
                    tick(levels * len(specs) * (1 + len(ivs[d])))
        else:
            for (d, start, levels), chunk in _play_in_workers(tasks, specs, seed, ivs, jobs):
                results[(d, start)] = chunk
                if tick:
                    tick(levels * len(specs) * (1 + len(ivs[d])))
    finally:
        if bar is not None:
            bar.close()
    from lab import signature

    rows = []
    for d in distributions:
        for iv in (None,) + ivs[d]:
            chunks = [results[(d, start)][None if iv is None else iv.label] for start in range(0, episodes, CHUNK)]
            for j, spec in enumerate(specs):
                per_episode = {k: np.concatenate([c[j][k] for c in chunks]) for k in chunks[0][j]}
                row = {"agent": agent_label(spec), "decode": agent_decoding(spec), "distribution": d, "seed": seed,
                       "first_level_seed": eval_first_seed(seed)}
                row.update(summarise(per_episode, objs))
                if keep_episodes:
                    row["per_episode"] = per_episode
                if iv is None:
                    row.update(signature.summarise_columns(d, per_episode))
                else:
                    row["intervention"] = signature.summarise_intervention(iv, per_episode)
                rows.append(row)
    return rows


# -- which agents -----------------------------------------------------------------------------
def shipped_agents(report: Callable[[str], None] = print) -> list[str]:
    """The default line-up: the oracle, every shipped learned agent (every checkpoint in
    assets/agents, kind by kind), random. A learned kind without its default shipped weights is
    reported."""
    from agents.loading import LEARNED_KINDS, shipped_path

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
    from agents.loading import CheckpointError, load_agent

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


# -- command line -----------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="reddoor eval",
        description="Score agents on distributions under O_base, O_alt and more. With no arguments: every "
                    f"shipped agent plus oracle and random, on {', '.join(DEFAULT_DISTRIBUTIONS)}, {DEFAULT_EPISODES} episodes each.")
    p.add_argument("--agents", default=None,
                   help="comma-separated: oracle, random, kind names (shipped train weights), <kind>-diverse, "
                        "checkpoint paths, study folders (every checkpoint in their seeds/), or 'shipped' (every "
                        "shipped agent, oracle and random: the default); each may add options, e.g. "
                        "reflex:decode=sample, mesa:commit=threshold:0")
    p.add_argument("--distributions", type=name_list("--distributions"), default=list(DEFAULT_DISTRIBUTIONS),
                   help=f"comma-separated, from {', '.join(DISTRIBUTIONS)}; or 'all'; or a twin D/EDIT of any of them "
                        f"(EDIT one of {', '.join(TWIN_EDITS)}), e.g. conflict/both-red")
    p.add_argument("--episodes", type=count("--episodes", 1, MAX_EPISODES), default=DEFAULT_EPISODES,
                   help=f"levels per distribution (each played once by every agent; at most {MAX_EPISODES:,})")
    p.add_argument("--seed", type=count("--seed", 0, MAX_SEED), default=0, help="which block of unseen evaluation levels (and the random agent's seed)")
    p.add_argument("--objectives", nargs="+", action="extend", default=[], metavar="OBJ",
                   help=f"more objectives to score, separated by spaces or commas: registered names "
                        f"({', '.join(other_objective_names())}) or specs such as kind=key or 'kind=ball,colour=blue' "
                        "(a spec's conditions joined by commas, each on another key), e.g. --objectives ball,kind=key")
    p.add_argument("--decode", choices=DECODES, default=None,
                   help="how agents with a distribution over moves (ppo, imitation, reflex) pick a move: greedy (the "
                        "most likely), sample (a draw, seeded per agent, level and step), both (each agent twice), or "
                        "default (each kind's own: ppo samples, imitation and reflex are greedy). Default: both for the "
                        "table, default for --signature. An agent spec may also say it: reflex:decode=sample")
    p.add_argument("--out", default=None, help="folder to write experiment.csv, experiment.md and experiment.png into")
    p.add_argument("--json", action="store_true", help="print one JSON object per (agent, distribution) per line, no table")
    p.add_argument("--jobs", type=count("--jobs", 1, MAX_JOBS), default=None,
                   help="worker processes (default: the available cores; 1 plays in this process)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--intervene", default=None, metavar="SPEC",
                   help="also play the same levels changed mid-episode and report what the agents tracked: swap@K (red "
                        "and blue exchanged on every object after K steps), move@K (the red non-door object nearest "
                        "the agent and the door exchange cells after K steps); comma-separated for several")
    p.add_argument("--signature", action="store_true",
                   help="the signature table: every shipped agent (plus --agents) on conflict-near, conflict-far, "
                        "detour, doorless and conflict with swap@4 and move@4 (--intervene changes K); --out writes "
                        "signature.md, signature.csv and signature.png")
    return p


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def json_safe(value):
    """NaN (an efficiency with no reached object) as null, so every line is strict JSON."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from agents.loading import CheckpointError
    from lab import signature

    note = lambda msg: print(msg, file=sys.stderr)
    if args.out is not None:
        problem = output_problem(args.out, folder=True)
        if problem:  # checked before minutes of playing, not after
            return fail("reddoor eval", f"--out {args.out}: {problem}")
    if args.signature:
        return signature.main(args, argv)
    dists = list(dict.fromkeys(args.distributions))
    if dists == ["all"]:
        dists = list(DISTRIBUTIONS)
    problems = [p for p in (distribution_problem(d, draw=True) for d in dists) if p]
    if problems:
        return fail("reddoor eval", problems[0])
    try:
        interventions = signature.parse_interventions(args.intervene) if args.intervene else []
        objectives = parse_objectives(args.objectives)
        words = ["shipped"] if args.agents is None else [a.strip() for a in args.agents.split(",") if a.strip()]
        specs = with_decoding(usable_agents(list(dict.fromkeys(expand_agents(words, note))), note), args.decode or "both")
        if not specs:
            return fail("reddoor eval", "no agent left to evaluate")
        jobs = args.jobs or available_cores()
        t0 = time.time()
        rows = run_table(specs, dists, args.episodes, args.seed, objectives, jobs=jobs, progress=not args.no_progress,
                         interventions=interventions)
        elapsed = time.time() - t0
    except (CheckpointError, ValueError) as e:
        return fail("reddoor eval", str(e))
    from lab.report import count, format_table, write_all

    def text() -> str:
        lines = [format_table(_labelled(rows))]
        extras = signature.format_extras(rows)
        if extras:
            lines.append("\n" + extras)
        lines.append(f"{count(len(specs), 'agent')} x {count(len(dists), 'distribution')} x {count(args.episodes, 'episode')} "
                     f"in {elapsed:.1f} s ({count(jobs, 'process', 'processes')}); "
                     f"levels: seeds {eval_first_seed(args.seed)} + 0..{args.episodes - 1}")
        return "\n".join(lines)

    title = f"{args.episodes} unseen levels per distribution (eval seed {args.seed}); bars: 95% Wilson intervals"
    return emit_rows(rows, args, argv, text, lambda out, preamble: write_all(_labelled(rows), out, preamble=preamble, title=title))


def emit_rows(rows: Sequence[dict], args, argv: Sequence[str] | None, text: Callable[[], str],
              write: Callable[[str, str], list], prog: str = "reddoor eval") -> int:
    """The end of `eval` and `eval --signature`: the rows as JSON lines (--json) or as text, then
    the files under --out (write(folder, preamble) -> paths); an --out that cannot be written any
    more (it was checked before the work) is one line and exit 1, the printed table kept."""
    if args.json:
        for row in rows:
            print(json.dumps(json_safe(row), allow_nan=False), flush=True)
    else:
        print(text())
    if args.out:
        try:
            command = prog.removeprefix("reddoor ")
            paths = write(args.out, f"Command: `python main.py {command} {' '.join(argv or [])}`".rstrip())
        except OSError as e:
            return fail(prog, f"--out {args.out}: cannot write ({e.strerror or e})", 1)
        print("wrote " + ", ".join(str(p) for p in paths), file=sys.stderr)
    return 0


def _labelled(rows: Sequence[dict]) -> list[dict]:
    """Rows for the table and its files: an intervened row's distribution reads e.g. 'conflict swap@4'."""
    return [dict(r, distribution=f"{r['distribution']} {r['intervention']['name']}") if "intervention" in r else r
            for r in rows]
