"""PPO (clipped objective, GAE) on the batched env, reward = O_base; reads top to bottom like CleanRL's ppo.py.

The actor-critic is a FieldNet: from the static map (walls, objects, colours) it computes action
logits and a value at every cell, and the agent reads its own cell. Two consequences make this
fast on a CPU, without changing the algorithm: while acting, a level's map is computed once per
episode (only the agent moves); while learning, minibatches are whole groups of levels, so one
forward pass of a level serves every transition the rollout saw on it.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from reddoor.game.core.batched import BatchedEnv, LevelPool
from reddoor.game.core.constants import N_ACTIONS
from reddoor.game.core.objectives import O_ALT, O_BASE
from reddoor.game.core.observation import CH_AGENT
from reddoor.game.core.world import path_efficiency

from .common import TRAIN_VALIDATION_SEED, Curve, StopRequest, score_field_policy, seed_everything
from .nets import FieldNet


@dataclass
class Args:
    distribution: str = "train"
    """levels to train on (reward is always O_base)"""
    seed: int = 0
    """seeds torch, numpy and the env"""
    steps: int = 1_000_000
    """total environment steps"""
    num_envs: int = 128
    """parallel environments"""
    num_steps: int = 64
    """steps per environment per rollout"""
    pool_size: int = 8192
    """training levels, seeds 0 .. pool_size - 1"""
    lr: float = 2e-3
    """Adam learning rate (linearly annealed to 10%); 2e-3 reached 0.95 in 0.82M steps where 1e-3 had
    0.78 after 0.78M (bench.ppo_recipes)"""
    gamma: float = 0.98
    """discount (it is what makes short paths worth more)"""
    gae_lambda: float = 0.95
    """GAE lambda"""
    update_epochs: int = 3
    """passes over each rollout"""
    num_minibatches: int = 4
    """minibatches per pass (groups of levels)"""
    clip_coef: float = 0.2
    """surrogate clipping"""
    ent_coef: float = 0.01
    """entropy bonus"""
    vf_coef: float = 0.5
    """value loss weight"""
    max_grad_norm: float = 0.5
    """gradient clipping"""
    channels: int = 24
    """FieldNet width"""
    rounds: int = 48
    """K: FieldNet rounds of the weight-tied 3x3 convolution (the search-capacity dial)"""
    levels_per_rollout: int = 256
    """each rollout's episodes are drawn from this many pool levels, all mapped in one forward pass
    and each learned from in one pass per minibatch (0: any pool level, mapped as it is drawn)"""
    device: str = "cpu"
    """torch device for the network ("cuda" on a GPU machine); the env always runs on numpy"""
    eval_every: int = 10
    """rollouts between progress scores"""
    eval_episodes: int = 200
    """held-out training-distribution levels scored (greedy) for progress"""
    threads: int = 2
    """torch CPU threads"""
    max_minutes: float = 0.0
    """stop after this much wall-clock time (0: run all the steps; bench.train sets it)"""


def train(args: Args, out: str) -> dict:
    # --- seeding ---------------------------------------------------------------------------
    seed_everything(args.seed, args.threads)
    rng = np.random.default_rng(args.seed)

    env = BatchedEnv(args.distribution, args.num_envs, args.seed, pool_size=args.pool_size)
    val_pool = LevelPool.from_distribution(args.distribution, args.eval_episodes, first_seed=TRAIN_VALIDATION_SEED)
    pool, b, t_len = env.pool, args.num_envs, args.num_steps
    device = torch.device(args.device)
    static_all = torch.as_tensor(pool.static[:, :CH_AGENT], dtype=torch.float32, device=device)

    agent = FieldNet(args.channels, args.rounds, out_channels=N_ACTIONS + 1).to(device)
    optimizer = torch.optim.Adam(agent.parameters(), lr=args.lr, eps=1e-5)
    num_updates = max(1, args.steps // (b * t_len))

    # --- preallocated rollout buffers --------------------------------------------------------
    levels = np.zeros((t_len, b), np.int64)
    cells = np.zeros((t_len, b, 2), np.int64)
    actions = np.zeros((t_len, b), np.int64)
    logprobs = np.zeros((t_len, b), np.float32)
    rewards = np.zeros((t_len, b), np.float32)
    dones = np.zeros((t_len, b), np.float32)
    values = np.zeros((t_len, b), np.float32)
    fields = np.zeros((b, N_ACTIONS + 1, env.canvas, env.canvas), np.float32)  # each env's current level

    level_fields: dict = {}  # with levels_per_rollout: pool index -> its map, for this rollout

    def refresh(envs: np.ndarray) -> None:
        if level_fields:
            for i in envs:
                fields[i] = level_fields[int(env.level_index[i])]
            return
        with torch.no_grad():
            fields[envs] = agent(static_all[env.level_index[envs]]).cpu().numpy()

    def choose_rollout_levels() -> None:
        """Restrict the next rollout's resets to a fresh random subset, mapped in one forward pass."""
        level_fields.clear()
        if not args.levels_per_rollout:
            return
        subset = np.union1d(
            rng.choice(len(pool), size=min(args.levels_per_rollout, len(pool)), replace=False), env.level_index
        )  # the episodes still running carry on
        env.draw_from = subset
        with torch.no_grad():
            out = agent(static_all[torch.as_tensor(subset, device=device)]).cpu().numpy()
        level_fields.update(zip(subset.tolist(), out))

    env.reset()
    choose_rollout_levels()
    refresh(np.arange(b))
    next_done = np.zeros(b, np.float32)
    curve, start, global_step = Curve(), time.time(), 0
    recent = {O_BASE.name: [], O_ALT.name: [], "efficiency": []}
    score = {O_BASE.name: 0.0, O_ALT.name: 0.0, "efficiency": 0.0}
    bar = tqdm(total=num_updates * b * t_len, unit="step", unit_scale=True, dynamic_ncols=True, desc="ppo")
    for update in range(1, num_updates + 1):
        for group in optimizer.param_groups:
            group["lr"] = args.lr * (1.0 - 0.9 * (update - 1) / num_updates)

        # --- rollout: act from each env's cached map -----------------------------------------
        for step in range(t_len):
            global_step += b
            dones[step] = next_done
            levels[step], cells[step] = env.level_index, env.agent_pos
            out = fields[np.arange(b), :, env.agent_pos[:, 0], env.agent_pos[:, 1]]
            logits, values[step] = out[:, :N_ACTIONS], out[:, N_ACTIONS]
            logp_all = logits - np.logaddexp.reduce(logits, axis=1, keepdims=True)
            a = (np.exp(logp_all).cumsum(1) < rng.random((b, 1))).sum(1).clip(0, N_ACTIONS - 1)
            actions[step], logprobs[step] = a, logp_all[np.arange(b), a]
            _, rewards[step], term, trunc, info = env.step(a)
            next_done = info["done"].astype(np.float32)
            finished = np.flatnonzero(info["done"])
            if len(finished):
                refresh(finished)
                for i in finished:
                    recent[O_BASE.name].append(float(info["scores"][O_BASE.name][i]))
                    recent[O_ALT.name].append(float(info["scores"][O_ALT.name][i]))
                    if term[i]:
                        recent["efficiency"].append(float(path_efficiency(info["shortest"][i], info["steps"][i])))
        next_value = fields[np.arange(b), N_ACTIONS, env.agent_pos[:, 0], env.agent_pos[:, 1]]

        # --- generalized advantage estimation ------------------------------------------------
        advantages = np.zeros_like(rewards)
        lastgaelam = np.zeros(b, np.float32)
        for t in reversed(range(t_len)):
            if t == t_len - 1:
                nextnonterminal, nextvalues = 1.0 - next_done, next_value
            else:
                nextnonterminal, nextvalues = 1.0 - dones[t + 1], values[t + 1]
            delta = rewards[t] + args.gamma * nextvalues * nextnonterminal - values[t]
            lastgaelam = delta + args.gamma * args.gae_lambda * nextnonterminal * lastgaelam
            advantages[t] = lastgaelam
        returns = advantages + values

        # --- flatten; minibatches are groups of levels (one forward pass per level) ----------
        f_lvl, f_cell = levels.reshape(-1), cells.reshape(-1, 2)
        f_act = torch.as_tensor(actions.reshape(-1), device=device)
        f_logp = torch.as_tensor(logprobs.reshape(-1), device=device)
        f_adv = torch.as_tensor(advantages.reshape(-1), device=device)
        f_ret = torch.as_tensor(returns.reshape(-1), device=device)
        uniq, slot = np.unique(f_lvl, return_inverse=True)
        for _epoch in range(args.update_epochs):
            order = rng.permutation(len(uniq))
            for group in np.array_split(order, args.num_minibatches):
                in_group = np.zeros(len(uniq), np.int64) - 1
                in_group[group] = np.arange(len(group))
                mb = np.flatnonzero(in_group[slot] >= 0)
                out = agent(static_all[torch.as_tensor(uniq[group], device=device)])
                g = torch.as_tensor(in_group[slot[mb]], device=device)
                r, c = torch.as_tensor(f_cell[mb, 0], device=device), torch.as_tensor(f_cell[mb, 1], device=device)
                mb = torch.as_tensor(mb, device=device)
                cell_out = out[g, :, r, c]
                logp_all = F.log_softmax(cell_out[:, :N_ACTIONS], 1)
                newlogp = logp_all.gather(1, f_act[mb][:, None])[:, 0]
                entropy = -(logp_all.exp() * logp_all).sum(1)
                newvalue = cell_out[:, N_ACTIONS]
                logratio = newlogp - f_logp[mb]
                ratio = logratio.exp()
                mb_adv = f_adv[mb]
                mb_adv = (mb_adv - mb_adv.mean()) / (mb_adv.std() + 1e-8)
                pg_loss = torch.max(
                    -mb_adv * ratio, -mb_adv * ratio.clamp(1 - args.clip_coef, 1 + args.clip_coef)
                ).mean()
                v_loss = 0.5 * ((newvalue - f_ret[mb]) ** 2).mean()
                loss = pg_loss - args.ent_coef * entropy.mean() + args.vf_coef * v_loss
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
                optimizer.step()
        choose_rollout_levels()
        refresh(np.arange(b))  # the policy changed: recompute the maps the next rollout acts from

        # --- named metrics -------------------------------------------------------------------
        bar.update(b * t_len)
        o_base = float(np.mean(recent[O_BASE.name][-1000:])) if recent[O_BASE.name] else 0.0
        o_alt = float(np.mean(recent[O_ALT.name][-1000:])) if recent[O_ALT.name] else 0.0
        out_of_time = bool(args.max_minutes) and time.time() - start > 60 * args.max_minutes
        stop = out_of_time or StopRequest.requested  # --max-minutes, or Ctrl-C (agents/train/common.py)
        if update % args.eval_every == 0 or update == num_updates or stop:
            agent.eval()
            score = score_field_policy(agent, val_pool, args.eval_episodes, device=device)
            agent.train()
            curve.add(
                env_steps=global_step,
                rollout_o_base=round(o_base, 4),
                rollout_o_alt=round(o_alt, 4),
                pg_loss=round(pg_loss.item(), 4),
                v_loss=round(v_loss.item(), 4),
                entropy=round(entropy.mean().item(), 4),
                **{k: round(v, 4) for k, v in score.items()},
            )
        bar.set_postfix(
            o_base=f"{o_base:.2f}",
            o_alt=f"{o_alt:.2f}",
            greedy_o_base=f"{score[O_BASE.name]:.2f}",
            ent=f"{entropy.mean().item():.2f}",
        )
        if stop:
            break
    bar.close()
    wall = time.time() - start
    return {
        "net": agent.cpu(),
        "curve": curve,
        "env_steps": global_step,
        "wall_time_s": round(wall, 1),
        "final": score,
        "hyperparameters": asdict(args),
    }
