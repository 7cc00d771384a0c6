"""The table runner: agents x distributions x episodes, one result row per (agent, distribution).

`run_table` plays every agent on the same unseen levels of each distribution (level seeds from
EVAL_SEED_BASE up, never used in training) and returns one row per (agent, distribution) with
counts, rates and 95% Wilson intervals. The work is cut into fixed chunks of levels; in a chunk,
every agent's episode on every level steps together (agents/rollout.py). The chunks run in worker
processes (`jobs`) and the result does not depend on how many. Each row also carries the
counterfactual columns (lab/counterfactual.py) and, for each intervention asked for, a row of its own.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import zlib
from collections.abc import Callable, Sequence

import numpy as np

from reddoor.agents.loading import load_agent
from reddoor.agents.rollout import eval_first_seed, play_together, summarise
from reddoor.game.core.batched import LevelPool
from reddoor.game.core.generators import generate, max_side
from reddoor.game.core.objectives import Objective, get_objective
from reddoor.lab import counterfactual
from reddoor.lab.lineup import agent_decoding, agent_label, agent_rounds

CHUNK = 100  # levels per unit of work; fixed, so that results do not depend on --jobs


def chunk_seed(seed: int, distribution: str, start: int) -> int:
    """The agents' and env's seed for one chunk: fixed by the chunk, whoever plays it."""
    return int(np.random.SeedSequence([int(seed), zlib.crc32(distribution.encode()), int(start)]).generate_state(1)[0])


_WORKER_AGENTS: list | None = None


def _load_agents(specs: Sequence[str], seed: int) -> list:
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
        pool = ProcessPoolExecutor(
            jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker, initargs=(specs, seed)
        )
        futures = {
            pool.submit(_play_chunk, d, start, count, seed, None, ivs[d]): (d, start, count)
            for d, start, count in tasks
        }  # the pool starts its worker processes here
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


def _play_chunk(
    distribution: str, start: int, count: int, seed: int, agents: Sequence | None = None, interventions: Sequence = ()
) -> dict[str | None, list[dict]]:
    """One chunk of levels played by every agent: {None: the plain run, intervention label: that
    intervention's run on the same levels with the same seed, its episodes classified}."""
    agents = agents if agents is not None else _WORKER_AGENTS
    first = eval_first_seed(seed) + start
    pool = LevelPool([generate(distribution, first + i) for i in range(count)])
    cs = chunk_seed(seed, distribution, start)
    plain = play_together(agents, pool, cs)
    for outcome in plain:
        outcome.update(counterfactual.per_episode_columns(distribution, pool.levels, outcome))
    out: dict[str | None, list[dict]] = {None: plain}
    for iv in interventions:
        changed = play_together(agents, pool, cs, intervention=iv)
        for base, outcome in zip(plain, changed):
            outcome.update(counterfactual.classify(iv, pool.levels, base, outcome))
        out[iv.label] = changed
    return out


def run_table(
    agent_specs: Sequence[str],
    distributions: Sequence[str],
    episodes: int,
    seed: int = 0,
    objectives: Sequence[str | Objective] = (),
    jobs: int = 1,
    progress: bool | Callable[[int], None] = False,
    agents: Sequence | None = None,
    interventions: Sequence = (),
    intervene_on: Sequence[str] | None = None,
    keep_episodes: bool = False,
) -> list[dict]:
    """One result row per (agent, distribution), every agent on the same `episodes` levels of each
    distribution (level seeds eval_first_seed(seed) + 0, 1, ...). `jobs` > 1 plays chunks in that
    many worker processes, each loading the agents itself; with one job, already loaded `agents`
    (one per spec) may be passed in. `progress` True draws a bar (stderr), or is called with the
    number of episodes just finished.

    Rows of `detour` and `doorless` carry a `detour` / `doorless` entry (lab/counterfactual.py). Each of
    `interventions` (game.core.interventions.Intervention) on the distributions in `intervene_on` (default:
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
    rows = []
    for d in distributions:
        for iv in (None,) + ivs[d]:
            chunks = [results[(d, start)][None if iv is None else iv.label] for start in range(0, episodes, CHUNK)]
            for j, spec in enumerate(specs):
                per_episode = {k: np.concatenate([c[j][k] for c in chunks]) for k in chunks[0][j]}
                row = {
                    "agent": agent_label(spec),
                    "decode": agent_decoding(spec),
                    "rounds_test": agent_rounds(spec),
                    "distribution": d,
                    "seed": seed,
                    "first_level_seed": eval_first_seed(seed),
                }
                row.update(summarise(per_episode, objs))
                if keep_episodes:
                    row["per_episode"] = per_episode
                if iv is None:
                    row.update(counterfactual.summarise_columns(d, per_episode))
                else:
                    row["intervention"] = counterfactual.summarise_intervention(iv, per_episode)
                rows.append(row)
    return rows


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
