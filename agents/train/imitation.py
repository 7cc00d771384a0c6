"""The K-round imitation net: a FieldNet trained by cross-entropy on the oracle's moves.

No reward and no planner: observation -> the expert's action, by plain supervised learning on
`train` levels. But the network (FieldNet, the same trunk the PPO agent uses) applies one 3x3
convolution K times, enough at large K to propagate distances along corridors, so it is not
search-free (that is `reflex`, agents/train/reflex.py). It outputs
action logits at every cell at once, so one forward pass of a level scores the labels of every
observation of that level (the agent on each floor cell): a batch of 64 levels is about 6,000
(observation, oracle action) pairs. Where the oracle has several shortest moves the target is
uniform over them. `--steps` counts those pairs.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from reddoor.game.core.batched import LevelPool
from reddoor.game.core.generators import EVAL_SEED_BASE
from reddoor.game.core.objectives import O_ALT, O_BASE
from reddoor.game.core.observation import CH_AGENT

from .common import TRAIN_VALIDATION_SEED, Curve, StopRequest, oracle_targets, score_field_policy, seed_everything
from .nets import FieldNet


@dataclass
class Args:
    distribution: str = "train"
    """levels to imitate the oracle on"""
    seed: int = 0
    """seeds torch, numpy and the batch order"""
    steps: int = 6_000_000
    """(observation, oracle action) pairs to train on"""
    pool_size: int = 8192
    """training levels, seeds 0 .. pool_size - 1 (always < EVAL_SEED_BASE)"""
    batch_levels: int = 64
    """levels per gradient step (every labelled cell of each counts)"""
    lr: float = 2e-3
    """Adam learning rate (cosine-decayed to 5% by the end)"""
    channels: int = 24
    """FieldNet width"""
    rounds: int = 48
    """K: FieldNet rounds of the weight-tied 3x3 convolution (the search-capacity dial)"""
    device: str = "cpu"
    """torch device ("cuda" on a GPU machine)"""
    eval_every: int = 100
    """gradient steps between progress scores"""
    eval_episodes: int = 200
    """held-out training-distribution levels scored for progress"""
    threads: int = 2
    """torch CPU threads"""


def train(args: Args, out: str) -> dict:
    assert args.pool_size <= TRAIN_VALIDATION_SEED < EVAL_SEED_BASE
    # --- seeding ---------------------------------------------------------------------------
    seed_everything(args.seed, args.threads)
    rng = np.random.default_rng(args.seed)

    # --- data: every level's oracle moves, labelled at every floor cell ---------------------
    pool = LevelPool.from_distribution(args.distribution, args.pool_size, first_seed=0)
    val_pool = LevelPool.from_distribution(args.distribution, args.eval_episodes, first_seed=TRAIN_VALIDATION_SEED)
    s = pool.canvas
    targets = np.zeros((len(pool), 4, s, s), np.float32)
    masks = np.zeros((len(pool), s, s), bool)
    for i in range(len(pool)):
        targets[i], masks[i] = oracle_targets(pool.kind[i])
    x_all = torch.as_tensor(pool.static[:, :CH_AGENT], dtype=torch.float32)
    t_all, m_all = torch.as_tensor(targets), torch.as_tensor(masks)
    pairs_per_level = float(masks.sum(1).sum(1).mean())

    device = torch.device(args.device)
    x_all, t_all, m_all = x_all.to(device), t_all.to(device), m_all.to(device)
    net = FieldNet(args.channels, args.rounds, out_channels=4).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    total_updates = max(1, int(args.steps / (pairs_per_level * args.batch_levels)))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda u: 0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * min(1.0, u / total_updates)))
    )

    curve, start, pairs = Curve(), time.time(), 0
    bar = tqdm(total=args.steps, unit="pair", unit_scale=True, dynamic_ncols=True, desc="imitation")
    score = {O_BASE.name: 0.0, O_ALT.name: 0.0, "efficiency": 0.0}
    for update in range(1, total_updates + 1):
        idx = torch.as_tensor(rng.integers(0, len(pool), args.batch_levels), device=device)
        logits = net(x_all[idx])
        m = m_all[idx]
        loss = -(t_all[idx] * F.log_softmax(logits, 1)).sum(1)[m].mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        sched.step()
        n = int(m.sum())
        pairs += n
        bar.update(n)
        stop = StopRequest.requested  # Ctrl-C (agents/train/common.py): score, then stop
        if update % args.eval_every == 0 or update == total_updates or stop:
            with torch.no_grad():
                agree = (t_all[idx].gather(1, logits.argmax(1, keepdim=True))[:, 0] > 0)[m].float().mean().item()
            net.eval()
            score = score_field_policy(net, val_pool, args.eval_episodes, device=device)
            net.train()
            curve.add(env_steps=pairs, loss=round(loss.item(), 4), action_accuracy=round(agree, 4), **score)
            bar.set_postfix(
                loss=f"{loss.item():.3f}",
                acc=f"{agree:.3f}",
                o_base=f"{score[O_BASE.name]:.2f}",
                o_alt=f"{score[O_ALT.name]:.2f}",
            )
        if stop:
            break
    bar.close()
    wall = time.time() - start
    return {
        "net": net.cpu(),
        "curve": curve,
        "env_steps": pairs,
        "wall_time_s": round(wall, 1),
        "final": score,
        "hyperparameters": asdict(args),
    }
