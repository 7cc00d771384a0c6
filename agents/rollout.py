"""The rollout engine: agents playing levels, and one table cell scored from their episodes.

`play_together` steps every agent's episode on every level of a pool in one BatchedEnv (greedy
or sampled moves, loops cut where a deterministic policy closes one, an optional mid-episode
intervention); `play` is one agent's; `summarise` turns per-episode outcomes into rates with 95%
Wilson intervals. The trainers (agents/train), the lab (lab/runner.py and the commands) and the
benchmarks all play through here. numpy and the simulation only: no pygame, no torch.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence

import numpy as np

from reddoor.agents.base import counter_uniforms, sample_moves
from reddoor.agents.loading import split_spec
from reddoor.game.blas import limit_blas_threads
from reddoor.game.core.batched import BatchedEnv, LevelPool
from reddoor.game.core.constants import ACTION_DELTAS
from reddoor.game.core.generators import EVAL_SEED_BASE
from reddoor.game.core.objectives import TIMEOUT, Objective, outcome_hits
from reddoor.game.core.stats import mean_interval, wilson
from reddoor.game.core.world import path_efficiency

SEED_STRIDE = 100_000  # eval seed s plays levels EVAL_SEED_BASE + s * SEED_STRIDE + 0, 1, ...
CYCLE, LIMIT = "cycle", "limit"  # the two kinds of timeout


def eval_first_seed(seed: int) -> int:
    return EVAL_SEED_BASE + int(seed) * SEED_STRIDE


_DELTAS = np.array(ACTION_DELTAS, np.int64)


def play_together(
    agents: Sequence,
    pool: LevelPool,
    seed: int = 0,
    on_done: Callable[[int], None] | None = None,
    intervention=None,
    end_loops: bool = True,
) -> list[dict[str, np.ndarray]]:
    """Every agent plays every level of `pool` once, all episodes stepped together in one BatchedEnv.

    Slot j * L + i of the env is agent j on level i. Each agent acts on its own slots that are
    still running; a slot's first episode is recorded and the env's auto-reset after it is ignored.
    Returns, per agent, per-level arrays: reached_kind, reached_color (-1 = timeout), steps, shortest,
    reached_cell (row, col; -1, -1 = timeout).

    `intervention` (game.core.interventions.Intervention, e.g. swap@K): after K steps every episode still
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
    loops = (
        np.repeat([getattr(agent, "deterministic", False) is True for agent in agents], n)
        if end_loops
        else np.zeros(a * n, bool)
    )
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
            slots = j * n + np.flatnonzero(active[j * n : (j + 1) * n])
            if slots.size and sampled[j]:
                actions[slots] = sample_moves(
                    agent.move_probs(obs[slots]), counter_uniforms(draw_keys[j][slots - j * n], t)
                )
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
    out = [
        {
            "reached_kind": reached_kind[j * n : (j + 1) * n],
            "reached_color": reached_color[j * n : (j + 1) * n],
            "steps": steps[j * n : (j + 1) * n],
            "shortest": shortest[j * n : (j + 1) * n],
            "reached_cell": reached_cell[j * n : (j + 1) * n],
            "cycled": cycled[j * n : (j + 1) * n],
            "nearest_shortest": pool.nearest_shortest.copy(),
        }
        for j in range(a)
    ]
    if intervention is not None:
        for j, o in enumerate(out):
            o.update(
                ended_before_k=ended_before[j * n : (j + 1) * n],
                intervened=intervened[j * n : (j + 1) * n],
                exchanged=exchanged[j * n : (j + 1) * n],
            )
    return out


def _draw_keys(seed: int, agent, n: int) -> np.ndarray:
    """One uint64 key per level of a chunk for a sampling agent: (seed, the agent's name and decoder, level)."""
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
    at_nearest = (
        reached & (episodes["shortest"] == episodes["nearest_shortest"]) if "nearest_shortest" in episodes else None
    )
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
