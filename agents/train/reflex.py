"""The sceptic's 'dumb classifier', taken literally: a three-layer feedforward net on the egocentric
view, trained by cross-entropy on the oracle's moves.

No reward, no search, no weight tying, no rounds: (view centred on the agent) -> the expert's
move, by plain supervised learning. A batch is `batch_size` (level, floor cell) pairs drawn at
random from the training pool, each labelled with the oracle's moves there (uniform over every
shortest move). `--steps` counts those pairs.
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
from reddoor.game.core.observation import CH_AGENT, CH_WALL

from .common import TRAIN_VALIDATION_SEED, Curve, StopRequest, oracle_targets, seed_everything
from .nets import ReflexNet


@dataclass
class Args:
    distribution: str = "open-train"
    """levels to imitate the oracle on"""
    seed: int = 0
    """seeds torch, numpy and the batch order"""
    steps: int = 3_000_000
    """(view, oracle action) pairs to train on"""
    pool_size: int = 8192
    """training levels, seeds 0 .. pool_size - 1 (always < EVAL_SEED_BASE)"""
    batch_size: int = 512
    """pairs per gradient step"""
    lr: float = 1e-3
    """Adam learning rate (cosine-decayed to 5% by the end)"""
    weight_decay: float = 1e-4
    """AdamW weight decay"""
    radius: int = 14
    """view radius: 14 shows the whole of any level up to 15 a side from any cell"""
    hidden: int = 64
    """units in each of the two hidden layers"""
    eval_every: int = 500
    """gradient steps between progress scores"""
    eval_episodes: int = 200
    """held-out training-distribution levels scored for progress"""
    threads: int = 2
    """torch CPU threads"""
    device: str = "cpu"
    """torch device ("cuda" on a GPU machine)"""


def pad_pool(static: np.ndarray, radius: int, device: torch.device) -> torch.Tensor:
    """The pool's levels (N, C, S, S) padded by `radius` on every side with wall, as on a canvas's
    edge: the torch twin of game.core.observation.egocentric's padding, done once for the pool."""
    n, c, s, _ = static.shape
    padded = np.zeros((n, c, s + 2 * radius, s + 2 * radius), np.uint8)
    padded[:, CH_WALL] = 1
    padded[:, :, radius : radius + s, radius : radius + s] = static
    return torch.as_tensor(padded, device=device)


def crop_views(padded: torch.Tensor, levels: torch.Tensor, cells: torch.Tensor, radius: int) -> torch.Tensor:
    """(B, C, 2r+1, 2r+1) float views centred on `cells` (B, 2) of pool `levels` (B,): equal to
    egocentric(static[levels], cells, radius) (tests check it)."""
    ar = torch.arange(2 * radius + 1, device=padded.device)
    rows = cells[:, 0, None] + ar[None]
    cols = cells[:, 1, None] + ar[None]
    out = padded[levels[:, None, None], :, rows[:, :, None], cols[:, None, :]]  # (B, v, v, C)
    return out.permute(0, 3, 1, 2).float()


def score_reflex(net: ReflexNet, pool: LevelPool, episodes: int) -> dict:
    """Greedy episodes on `pool` by the numpy agent built from the current weights."""
    from reddoor.agents.reflex import ReflexAgent
    from reddoor.agents.rollout import play, summarise

    agent = ReflexAgent({"architecture": net.config(), "kind": "reflex"}, net.numpy_state())
    out = summarise(play(agent, pool, episodes))
    return {k: out[k] for k in (O_BASE.name, O_ALT.name, "efficiency")}


def train(args: Args, out: str) -> dict:
    assert args.pool_size <= TRAIN_VALIDATION_SEED < EVAL_SEED_BASE
    # --- seeding ---------------------------------------------------------------------------
    seed_everything(args.seed, args.threads)
    rng = np.random.default_rng(args.seed)
    device = torch.device(args.device)

    # --- data: every (level, floor cell) with its oracle moves ------------------------------
    pool = LevelPool.from_distribution(args.distribution, args.pool_size, first_seed=0)
    val_pool = LevelPool.from_distribution(args.distribution, args.eval_episodes, first_seed=TRAIN_VALIDATION_SEED)
    s = pool.canvas
    targets = np.zeros((len(pool), 4, s, s), np.float32)
    pairs = []
    for i in range(len(pool)):
        targets[i], mask = oracle_targets(pool.kind[i])
        cells = np.argwhere(mask)
        pairs.append(np.concatenate([np.full((len(cells), 1), i), cells], 1))
    pairs = torch.as_tensor(np.concatenate(pairs), device=device)  # (N, 3): level, row, col
    padded = pad_pool(pool.static[:, :CH_AGENT], args.radius, device)
    targets = torch.as_tensor(targets, device=device)

    net = ReflexNet(args.radius, args.hidden, out_channels=4).to(device)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    total_updates = max(1, args.steps // args.batch_size)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda u: 0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * min(1.0, u / total_updates)))
    )

    curve, start, seen = Curve(), time.time(), 0
    bar = tqdm(total=total_updates * args.batch_size, unit="pair", unit_scale=True, dynamic_ncols=True, desc="reflex")
    score = {O_BASE.name: 0.0, O_ALT.name: 0.0, "efficiency": 0.0}
    for update in range(1, total_updates + 1):
        batch = pairs[torch.as_tensor(rng.integers(0, len(pairs), args.batch_size), device=device)]
        lv, cells = batch[:, 0], batch[:, 1:]
        views = crop_views(padded, lv, cells, args.radius)
        target = targets[lv, :, cells[:, 0], cells[:, 1]]
        logits = net(views)
        loss = -(target * F.log_softmax(logits, 1)).sum(1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        seen += args.batch_size
        bar.update(args.batch_size)
        stop = StopRequest.requested  # Ctrl-C (agents/train/common.py): score, then stop
        if update % args.eval_every == 0 or update == total_updates or stop:
            with torch.no_grad():
                agree = (target.gather(1, logits.argmax(1, keepdim=True))[:, 0] > 0).float().mean().item()
            score = score_reflex(net, val_pool, args.eval_episodes)
            curve.add(env_steps=seen, loss=round(loss.item(), 4), action_accuracy=round(agree, 4), **score)
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
        "env_steps": seen,
        "wall_time_s": round(wall, 1),
        "final": score,
        "hyperparameters": asdict(args),
    }
