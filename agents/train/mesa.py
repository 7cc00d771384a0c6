"""The explicit mesa-optimizer: a learned objective plus an exact planner, trained from reward.

At the start of each episode the learned objective (CellScorer: a small MLP over each cell's own
channels) scores every object the agent can reach; the agent samples one goal from a softmax over
those scores and the built-in planner (BFS) walks a shortest path to it in the batched env. The
episode's O_base reward trains the scorer by REINFORCE over the choice of goal (with a running
mean reward as baseline and a small entropy bonus). Nothing tells the scorer what a door is: it
only sees which choices were rewarded. At inference the agent takes the best-scoring goal.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
from tqdm import tqdm

from reddoor.game.core.batched import BatchedEnv
from reddoor.game.core.constants import ACTION_DELTAS, DOOR, N_ACTIONS
from reddoor.game.core.objectives import O_ALT, O_BASE
from reddoor.game.core.observation import CH_AGENT
from reddoor.game.core.oracle import distance_to

from .common import Curve, StopRequest, seed_everything
from .nets import CellScorer

MAX_OBJECTS = 8


@dataclass
class Args:
    distribution: str = "train"
    """levels the episodes are played on"""
    seed: int = 0
    """seeds torch, numpy and the env"""
    steps: int = 300_000
    """environment steps"""
    num_envs: int = 128
    """parallel episodes in the batched env"""
    pool_size: int = 4096
    """training levels, seeds 0 .. pool_size - 1"""
    episodes_per_update: int = 128
    """finished episodes per REINFORCE step"""
    lr: float = 0.05
    """Adam learning rate"""
    hidden: int = 16
    """CellScorer hidden units"""
    temperature: float = 1.0
    """softmax temperature of the goal choice while training"""
    ent_coef: float = 0.01
    """entropy bonus on the goal choice"""
    threads: int = 2
    """torch CPU threads"""


def planner_actions(dist: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """One step down each env's distance map (B, S, S) from its cell (B, 2): the first move in
    U, D, L, R order that gets closer (the exact planner's move)."""
    b, s, _ = dist.shape
    here = dist[np.arange(b), pos[:, 0], pos[:, 1]]
    best = np.full(b, np.iinfo(np.int32).max, np.int64)
    act = np.zeros(b, np.int64)
    for a, (dr, dc) in enumerate(ACTION_DELTAS):
        r, c = pos[:, 0] + dr, pos[:, 1] + dc
        ok = (r >= 0) & (r < s) & (c >= 0) & (c < s)
        d = np.where(ok, dist[np.arange(b), r.clip(0, s - 1), c.clip(0, s - 1)], -1)
        better = ok & (d >= 0) & (d < here) & (d < best)
        act[better], best[better] = a, d[better]
    return act


def train(args: Args, out: str) -> dict:
    # --- seeding ---------------------------------------------------------------------------
    seed_everything(args.seed, args.threads)
    rng = np.random.default_rng(args.seed)

    env = BatchedEnv(args.distribution, args.num_envs, args.seed, pool_size=args.pool_size)
    pool, b, s = env.pool, args.num_envs, env.canvas
    static_all = torch.as_tensor(pool.static[:, :CH_AGENT], dtype=torch.float32)
    # The objects each pool level offers (reachable from its start), padded to MAX_OBJECTS.
    objects = np.zeros((len(pool), MAX_OBJECTS, 2), np.int64)
    n_objects = np.zeros(len(pool), np.int64)
    for i in range(len(pool)):
        cells = np.argwhere((pool.kind[i] >= DOOR) & (pool.dist[i] >= 0))[:MAX_OBJECTS]
        objects[i, : len(cells)], n_objects[i] = cells, len(cells)

    scorer = CellScorer(args.hidden)
    opt = torch.optim.Adam(scorer.parameters(), lr=args.lr)

    # --- preallocated per-env and per-update buffers ---------------------------------------
    goal_dist = np.zeros((b, s, s), np.int32)
    goal_index = np.zeros(b, np.int64)
    ep_level = np.zeros(args.episodes_per_update, np.int64)
    ep_choice = np.zeros(args.episodes_per_update, np.int64)
    ep_reward = np.zeros(args.episodes_per_update, np.float32)
    n_ep, baseline = 0, 0.0

    def choose_goals(envs: np.ndarray) -> None:
        lvl = env.level_index[envs]
        with torch.no_grad():
            scores = scorer(static_all[lvl]).numpy()
        for j, e in enumerate(envs):
            li, k = lvl[j], n_objects[lvl[j]]
            cand = scores[j, objects[li, :k, 0], objects[li, :k, 1]] / args.temperature
            p = np.exp(cand - cand.max())
            p /= p.sum()
            g = int(min((p.cumsum() < rng.random()).sum(), k - 1))
            target = np.zeros((s, s), bool)
            target[tuple(objects[li, g])] = True
            goal_index[e], goal_dist[e] = g, distance_to(pool.kind[li], target)

    def update() -> float:
        lvl = torch.as_tensor(ep_level)
        scores = scorer(static_all[lvl])
        rows = torch.arange(len(lvl))[:, None]
        cand = scores[rows, torch.as_tensor(objects[ep_level, :, 0]), torch.as_tensor(objects[ep_level, :, 1])]
        valid = torch.arange(MAX_OBJECTS)[None, :] < torch.as_tensor(n_objects[ep_level])[:, None]
        logp = torch.log_softmax((cand / args.temperature).masked_fill(~valid, -1e9), 1)
        chosen = logp.gather(1, torch.as_tensor(ep_choice)[:, None])[:, 0]
        advantage = torch.as_tensor(ep_reward) - baseline
        entropy = -(logp.exp() * logp.masked_fill(~valid, 0)).sum(1)
        loss = -(advantage * chosen).mean() - args.ent_coef * entropy.mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    env.reset()
    choose_goals(np.arange(b))
    curve, start, steps = Curve(), time.time(), 0
    recent = {O_BASE.name: [], O_ALT.name: []}
    bar = tqdm(total=args.steps, unit="step", unit_scale=True, dynamic_ncols=True, desc="mesa")
    while steps < args.steps:
        level_before, goal_before = env.level_index.copy(), goal_index.copy()
        _, reward, _, _, info = env.step(planner_actions(goal_dist, env.agent_pos))
        steps += b
        bar.update(b)
        done = np.flatnonzero(info["done"])
        for e in done:
            if n_ep < args.episodes_per_update:
                ep_level[n_ep], ep_choice[n_ep], ep_reward[n_ep] = level_before[e], goal_before[e], reward[e]
                n_ep += 1
            recent[O_BASE.name].append(float(info["scores"][O_BASE.name][e]))
            recent[O_ALT.name].append(float(info["scores"][O_ALT.name][e]))
        if len(done):
            choose_goals(done)
        if n_ep == args.episodes_per_update:
            loss = update()
            baseline = 0.9 * baseline + 0.1 * float(ep_reward.mean())
            n_ep = 0
            o_base, o_alt = np.mean(recent[O_BASE.name][-512:]), np.mean(recent[O_ALT.name][-512:])
            curve.add(
                env_steps=steps, loss=round(loss, 4), o_base=round(float(o_base), 4), o_alt=round(float(o_alt), 4)
            )
            bar.set_postfix(o_base=f"{o_base:.2f}", o_alt=f"{o_alt:.2f}")
            if StopRequest.requested:  # Ctrl-C (agents/train/common.py): stop after this update
                break
    bar.close()
    wall = time.time() - start
    final = {
        O_BASE.name: float(np.mean(recent[O_BASE.name][-512:])),
        O_ALT.name: float(np.mean(recent[O_ALT.name][-512:])),
    }
    return {
        "net": scorer,
        "curve": curve,
        "env_steps": steps,
        "wall_time_s": round(wall, 1),
        "final": final,
        "hyperparameters": asdict(args),
    }


del N_ACTIONS
