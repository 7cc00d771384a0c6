"""What every training algorithm shares: seeding, quick scoring on a batched env, the learning
curve (CSV + PNG) and the checkpoint's metadata."""

from __future__ import annotations

import contextlib
import csv
import os
import random
import signal
import threading
import time
from pathlib import Path

import numpy as np
import torch

from reddoor.game.blas import limit_blas_threads
from reddoor.game.core.batched import BatchedEnv, LevelPool
from reddoor.game.core.constants import ACTION_DELTAS, DOOR, N_ACTIONS
from reddoor.game.core.objectives import O_ALT, O_BASE
from reddoor.game.core.observation import CH_AGENT
from reddoor.game.core.oracle import distance_to
from reddoor.game.core.world import path_efficiency

TRAIN_VALIDATION_SEED = 900_000  # training-side levels held out of the training pools (still < EVAL_SEED_BASE)


def seed_everything(seed: int, threads: int = 2) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    limit_blas_threads(threads, torch=True)  # torch's pool and numpy's BLAS: `threads` each
    torch.use_deterministic_algorithms(True, warn_only=True)


def oracle_targets(kind: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The expert's moves on a whole level at once: (4, S, S) probabilities, uniform over every
    move that steps along a shortest path to the nearest door, and the (S, S) mask of floor cells
    that have one. Cell (r, c) of these is the label of the observation with the agent at (r, c)."""
    s = kind.shape[0]
    d = distance_to(kind, kind == DOOR)
    dp = np.pad(d, 1, constant_values=-1)
    out = np.zeros((N_ACTIONS, s, s), np.float32)
    for a, (dr, dc) in enumerate(ACTION_DELTAS):
        nb = dp[1 + dr : 1 + dr + s, 1 + dc : 1 + dc + s]
        out[a] = (d > 0) & (nb >= 0) & (nb == d - 1)
    total = out.sum(0)
    mask = total > 0
    out /= np.maximum(total, 1)
    return out, mask


@torch.no_grad()
def score_field_policy(
    net: torch.nn.Module,
    pool: LevelPool,
    episodes: int,
    seed: int = 0,
    greedy: bool = True,
    device: torch.device | str = "cpu",
) -> dict:
    """Play `episodes` pool levels (in order) with a FieldNet policy; O_base, O_alt, efficiency."""
    n = min(episodes, len(pool))
    env = BatchedEnv(pool, min(n, 256), seed, draw="sequential")
    obs = env.reset()
    rng = np.random.default_rng(seed)
    fields = net(torch.as_tensor(pool.static[:, :CH_AGENT], dtype=torch.float32, device=device)).cpu().numpy()
    seen = np.zeros(len(pool), bool)
    o_base, o_alt, eff = [], [], []
    while len(o_base) < n:
        lvl, pos = env.level_index, env.agent_pos
        logits = fields[lvl, :N_ACTIONS, pos[:, 0], pos[:, 1]]
        if greedy:
            act = logits.argmax(1)
        else:
            p = np.exp(logits - logits.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            act = (p.cumsum(1) < rng.random((len(p), 1))).sum(1).clip(0, N_ACTIONS - 1)
        obs, _, term, _, info = env.step(act)
        for i in np.flatnonzero(info["done"]):
            li = info["level_index"][i]
            if seen[li] or len(o_base) >= n:
                continue
            seen[li] = True
            o_base.append(info["scores"][O_BASE.name][i])
            o_alt.append(info["scores"][O_ALT.name][i])
            if term[i]:
                eff.append(float(path_efficiency(info["shortest"][i], info["steps"][i])))
    return {
        O_BASE.name: float(np.mean(o_base)),
        O_ALT.name: float(np.mean(o_alt)),
        "efficiency": float(np.mean(eff)) if eff else 0.0,
    }


class StopRequest:
    """Ctrl-C while a trainer runs inside `StopRequest.on_ctrl_c()`: the first asks the training loop
    to stop after its current update (the weights are then whole, and the train command writes
    them); a second stops at once (KeyboardInterrupt, nothing written). The loops read `requested`."""

    requested = False

    @classmethod
    @contextlib.contextmanager
    def on_ctrl_c(cls, notice=None):
        """Catch Ctrl-C as a stop request for the block; `notice()` is called at the first one.
        Nothing is installed off the main thread or where SIGINT is not Python's default handler."""
        cls.requested = False
        if (
            threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
        ):
            yield
            return

        def on_sigint(signum, frame):
            if cls.requested:
                raise KeyboardInterrupt
            cls.requested = True
            if notice is not None:
                notice()

        signal.signal(signal.SIGINT, on_sigint)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            cls.requested = False


class Curve:
    """The learning curve: rows of named metrics, written as CSV and a PNG beside the checkpoint."""

    latest: Curve | None = None  # the run in progress, for the train CLI's Ctrl-C message

    def __init__(self):
        self.rows: list[dict] = []
        self.start = time.time()
        Curve.latest = self

    def add(self, **row) -> None:
        self.rows.append({"wall_s": round(time.time() - self.start, 2), **row})

    def write(self, checkpoint: str | os.PathLike, title: str) -> tuple[Path, Path]:
        base = Path(checkpoint).with_suffix("")
        csv_path, png_path = base.with_name(base.name + "-curve.csv"), base.with_name(base.name + "-curve.png")
        keys = list(self.rows[0]) if self.rows else ["wall_s"]
        with open(csv_path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=keys)
            w.writeheader()
            w.writerows(self.rows)
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
        xs = [r["env_steps"] for r in self.rows]
        for key in (O_BASE.name, O_ALT.name, "efficiency"):
            if self.rows and key in self.rows[0]:
                ax.plot(xs, [r[key] for r in self.rows], label=key)
        ax.set_xlabel("environment steps")
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(title)
        ax.legend(loc="lower right")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(png_path)
        plt.close(fig)
        return csv_path, png_path
