"""Our PPO against stable-baselines3's PPO, two ways, on RedDoor-v0 `train`, the same wall-clock budget each.

    python -m bench.train [--minutes 5] [--episodes 1000] [--only ours,cnn,mlp] [--parallel] [--threads 2]

Contestants (each in its own process, torch limited to `--threads` threads):
  ours  agents.train.ppo.train with its default Args (FieldNet), only max_minutes and threads set.
  cnn   SB3 PPO, its default hyperparameters, 8 envs, with the small CNN features extractor of
        MiniGrid's SB3 guide (MinigridFeaturesExtractor: three 2x2 convolutions 16/32/64, ReLU,
        Linear to 128, ReLU); the fair peer for a grid observation.
  mlp   SB3 PPO, its defaults, MlpPolicy, 8 envs (the earlier row, kept for reference).

The default budget is 5 minutes of wall-clock training each. Every contestant scores its greedy
policy on the same 200 held-out `train` levels (seeds from TRAIN_VALIDATION_SEED, never trained
on: SB3's env draws seeds below it) while it trains: ours every 10 rollouts, as its learning
curve always does; SB3 every 30 s of wall time (checked between env steps) and once at the end.
That scoring time counts in each contestant's clock and budget alike; the run prints what share
of each clock it took. `<name>_minutes_to_95` is the first wall-clock minute at which that
greedy O_base reached 0.95 ("none": never within the budget; "nan": not run); its resolution is
the scoring interval. Ours builds its level pool (8,192 levels) before its clock starts; the
run prints how long that took. Neither algorithm can stop in the middle of an update, so each
may overrun the budget by one update; the run prints the time each actually trained.

After training, each plays the same unseen `train` levels (seeds from EVAL_SEED_BASE) greedily.
`--parallel` runs the contestants at the same time, each pinned (os.sched_setaffinity) to its own
`--threads` cores, when the machine has that many cores per contestant (otherwise they run one
after another, as without it). The yardstick (bench/yardstick.py) runs first: reference minutes =
minutes x machine_factor. Needs the bench extra (pip install -c constraints.txt ".[bench]").

Last line: ours_o_base= cnn_o_base= mlp_o_base= sb3_o_base= (= mlp, the earlier name)
ours_minutes_to_95= cnn_minutes_to_95= mlp_minutes_to_95= and their *_ref_minutes_to_95=,
steps_per_s_ratio= (ours / mlp, the earlier name) steps_per_s_ratio_cnn= (ours / cnn) machine_factor=
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time

from reddoor.game.core.objectives import O_BASE

BASE = O_BASE.name  # the objective the curves and the threshold are read on

CONTESTANTS = ("ours", "cnn", "mlp")
SB3_ENVS = 8


def minutes_to(rows: list[dict], threshold: float = 0.95) -> float | None:
    """The first wall-clock minute (column wall_s) at which the curve's greedy o_base reaches `threshold`."""
    for r in rows:
        if r.get(BASE, 0.0) >= threshold:
            return r["wall_s"] / 60.0
    return None


def _pools(episodes: int, val_episodes: int):
    from reddoor.agents.train.common import TRAIN_VALIDATION_SEED
    from reddoor.game.core.batched import LevelPool
    from reddoor.game.core.generators import EVAL_SEED_BASE, max_side

    side = max_side("train")  # the Gymnasium env's canvas: SB3's networks need exactly this shape
    test = LevelPool.from_distribution("train", episodes, first_seed=EVAL_SEED_BASE, canvas=side)
    val = LevelPool.from_distribution("train", val_episodes, first_seed=TRAIN_VALIDATION_SEED, canvas=side)
    return test, val


def _sb3_agent(model):
    import numpy as np

    from reddoor.agents.base import Agent

    class SB3Agent(Agent):
        kind = "sb3-ppo"

        def act_batch(self, obs: np.ndarray) -> np.ndarray:
            return np.asarray(self.model.predict(obs, deterministic=True)[0], np.int64)

    agent = SB3Agent("sb3-ppo")
    agent.model = model
    return agent


def minigrid_features_extractor():
    """MiniGrid's SB3 features extractor (docs: "Training MiniGrid Environments", Stable Baselines3)."""
    import torch
    from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
    from torch import nn

    class MinigridFeaturesExtractor(BaseFeaturesExtractor):
        def __init__(self, observation_space, features_dim: int = 512, normalized_image: bool = False):
            super().__init__(observation_space, features_dim)
            n_input_channels = observation_space.shape[0]
            self.cnn = nn.Sequential(
                nn.Conv2d(n_input_channels, 16, (2, 2)),
                nn.ReLU(),
                nn.Conv2d(16, 32, (2, 2)),
                nn.ReLU(),
                nn.Conv2d(32, 64, (2, 2)),
                nn.ReLU(),
                nn.Flatten(),
            )
            with torch.no_grad():
                n_flatten = self.cnn(torch.as_tensor(observation_space.sample()[None]).float()).shape[1]
            self.linear = nn.Sequential(nn.Linear(n_flatten, features_dim), nn.ReLU())

        def forward(self, observations):
            return self.linear(self.cnn(observations))

    return MinigridFeaturesExtractor


def run_ours(minutes: float, threads: int, val_pool) -> dict:
    from reddoor.agents.ppo import PPOAgent
    from reddoor.agents.train import ppo

    eval_s = [0.0]
    score = ppo.score_field_policy

    def timed_score(*a, **k):  # the curve's own scoring, timed to report its share of the clock
        t0 = time.time()
        try:
            return score(*a, **k)
        finally:
            eval_s[0] += time.time() - t0

    ppo.score_field_policy = timed_score
    t0 = time.time()
    result = ppo.train(ppo.Args(max_minutes=minutes, threads=threads), "")
    total = time.time() - t0
    net = result["net"]
    agent = PPOAgent({"architecture": net.config(), "kind": "ppo"}, net.numpy_state(), name="ours")
    rows = [{"wall_s": r["wall_s"], "env_steps": r["env_steps"], BASE: r[BASE]} for r in result["curve"].rows]
    return {
        "agent": agent,
        "rows": rows,
        "env_steps": result["env_steps"],
        "train_s": result["wall_time_s"],
        "eval_s": eval_s[0],
        "setup_s": total - result["wall_time_s"],
    }


def run_sb3(policy: str, minutes: float, threads: int, val_pool, eval_every_s: float) -> dict:
    import gymnasium as gym
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.preprocessing import is_image_space

    import reddoor.game.gym_env  # noqa: F401  registers RedDoor-v0
    from reddoor.agents.rollout import play, summarise
    from reddoor.agents.train.common import TRAIN_VALIDATION_SEED
    from reddoor.game.blas import limit_blas_threads

    limit_blas_threads(threads, torch=True)
    rows: list[dict] = []
    clock = {"eval_s": 0.0}

    class WallClockAndScore(BaseCallback):
        """Stops at the budget; scores the greedy policy on the held-out levels every eval_every_s."""

        def _score(self) -> None:
            t0 = time.time()
            o_base = summarise(play(_sb3_agent(self.model), val_pool))[BASE]
            t1 = time.time()
            clock["eval_s"] += t1 - t0
            rows.append({"wall_s": round(t1 - self.t0, 2), "env_steps": int(self.model.num_timesteps), BASE: o_base})
            self.last = t1

        def _on_training_start(self) -> None:
            self.t0 = self.last = time.time()

        def _on_step(self) -> bool:
            now = time.time()
            if now - self.last >= eval_every_s:
                self._score()
            return now - self.t0 < 60 * minutes

        def _on_training_end(self) -> None:
            self._score()
            clock["train_s"] = time.time() - self.t0

    # Seeds below TRAIN_VALIDATION_SEED: the held-out scoring levels stay unseen, as for ours.
    env = make_vec_env(
        lambda: gym.make("RedDoor-v0", distribution="train", num_seeds=TRAIN_VALIDATION_SEED), n_envs=SB3_ENVS, seed=0
    )
    # Our observation is a Box of 0/1 uint8, (12, 15, 15). SB3 treats a Box as an image only when it
    # is uint8 with bounds 0..255 (is_image_space), so this one is not: no VecTransposeImage, no /255,
    # just a cast to float; normalize_images=False says the same. Its default CnnPolicy extractor
    # (NatureCNN) would refuse a non-image space and is too big for 15x15 anyway; MiniGrid's is not.
    assert not is_image_space(env.observation_space)
    if policy == "cnn":
        kwargs = dict(
            features_extractor_class=minigrid_features_extractor(),
            features_extractor_kwargs=dict(features_dim=128),
            normalize_images=False,
        )
        model = PPO("CnnPolicy", env, policy_kwargs=kwargs, seed=0, verbose=0)
    else:
        model = PPO("MlpPolicy", env, seed=0, verbose=0)
    model.learn(total_timesteps=10**9, callback=WallClockAndScore())
    return {
        "agent": _sb3_agent(model),
        "rows": rows,
        "env_steps": int(model.num_timesteps),
        "train_s": clock["train_s"],
        "eval_s": clock["eval_s"],
        "setup_s": 0.0,
    }


def contest(
    name: str,
    minutes: float,
    episodes: int,
    threads: int,
    cores: list[int] | None,
    eval_every_s: float,
    val_episodes: int = 200,
) -> dict:
    """One contestant, start to finish, in this (fresh) process: train, then score on unseen levels."""
    if cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, cores)
    import torch  # noqa: F401  (imported first, so that its threads are capped too)

    from reddoor.agents.rollout import play, summarise
    from reddoor.game.blas import limit_blas_threads

    limit_blas_threads(threads, torch=True)

    test_pool, val_pool = _pools(episodes, val_episodes)
    if name == "ours":
        out = run_ours(minutes, threads, val_pool)
    else:
        out = run_sb3(name, minutes, threads, val_pool, eval_every_s)
    score = summarise(play(out.pop("agent"), test_pool))
    out.update(
        {BASE: score[BASE]},
        name=name,
        efficiency=score["efficiency"],
        steps_per_s=out["env_steps"] / max(1e-9, out["train_s"]),
        minutes_to_95=minutes_to(out["rows"]),
        cores=cores,
    )
    return out


def _fmt_minutes(r: dict | None, factor: float = 1.0) -> str:
    if r is None:
        return "nan"
    m = r["minutes_to_95"]
    return "none" if m is None else f"{m * factor:.2f}"


def last_line(results: dict[str, dict], factor: float) -> str:
    """The figures, key=value: 'nan' for a contestant not run, 'none' for one that never reached 0.95."""

    def o_base(n):
        return f"{results[n][BASE]:.3f}" if n in results else "nan"

    def minutes(n, scale=1.0):
        return _fmt_minutes(results.get(n), scale)

    def ratio(a, b):
        if a in results and b in results:
            return f"{results[a]['steps_per_s'] / max(1e-9, results[b]['steps_per_s']):.2f}"
        return "nan"

    return (
        f"ours_o_base={o_base('ours')} cnn_o_base={o_base('cnn')} mlp_o_base={o_base('mlp')} sb3_o_base={o_base('mlp')} "
        f"ours_minutes_to_95={minutes('ours')} cnn_minutes_to_95={minutes('cnn')} mlp_minutes_to_95={minutes('mlp')} "
        f"ours_ref_minutes_to_95={minutes('ours', factor)} cnn_ref_minutes_to_95={minutes('cnn', factor)} "
        f"mlp_ref_minutes_to_95={minutes('mlp', factor)} "
        f"steps_per_s_ratio={ratio('ours', 'mlp')} steps_per_s_ratio_cnn={ratio('ours', 'cnn')} machine_factor={factor:.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.train", description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=5.0, help="wall-clock training budget for each")
    p.add_argument("--episodes", type=int, default=1000, help="unseen train levels all are scored on")
    p.add_argument("--only", default=",".join(CONTESTANTS), help="comma-separated contestants: ours, cnn, mlp")
    p.add_argument(
        "--parallel",
        action="store_true",
        help="run the contestants at the same time, each pinned to its own --threads cores",
    )
    p.add_argument("--threads", type=int, default=2, help="torch threads (and, with --parallel, cores) for each")
    p.add_argument("--eval-seconds", type=float, default=30.0, help="SB3: wall seconds between held-out scores")
    args = p.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    bad = [n for n in names if n not in CONTESTANTS]
    if bad or not names:
        print(
            f"error: unknown contestant {bad[0] if bad else '(none)'}; expected some of {', '.join(CONTESTANTS)}",
            file=sys.stderr,
        )
        return 2
    names = [n for n in CONTESTANTS if n in names]

    from bench.yardstick import machine_factor

    factor = machine_factor()  # before the contestants start
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    from reddoor.game.blas import limit_blas_threads

    limit_blas_threads(
        args.threads, override=True
    )  # the children's numpy (their scoring): as many BLAS threads as torch
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(range(os.cpu_count() or 1))
    parallel = args.parallel and len(cores) >= args.threads * len(names)
    if args.parallel and not parallel:
        print(
            f"note: --parallel needs {args.threads * len(names)} cores for {len(names)} contestants "
            f"({args.threads} each); this machine has {len(cores)}: running them one after another"
        )
    ctx = multiprocessing.get_context("spawn")
    results: dict[str, dict] = {}
    common = (args.minutes, args.episodes, args.threads)
    t0 = time.time()
    if parallel:
        with ctx.Pool(len(names)) as pool:
            jobs = {
                n: pool.apply_async(
                    contest, (n, *common, cores[args.threads * i : args.threads * (i + 1)], args.eval_seconds)
                )
                for i, n in enumerate(names)
            }
            results = {n: j.get() for n, j in jobs.items()}
            pool.close()
            pool.join()
    else:
        for n in names:  # a fresh process each: torch settings (ours makes torch deterministic) never leak
            with ctx.Pool(1) as pool:
                results[n] = pool.apply(contest, (n, *common, None, args.eval_seconds))
                pool.close()
                pool.join()
    mode = (
        "in parallel, " + ", ".join(f"{n} on cores {results[n]['cores']}" for n in names)
        if parallel
        else "one after another"
    )
    print(
        f"{len(names)} contestants {mode}, {args.threads} torch threads each; {time.time() - t0:.0f} s in all; "
        f"machine_factor {factor:.2f}; load average {load:.1f} on {len(cores)} cores at the start "
        "(torch threads slow down many times over when other work shares their cores)"
    )
    for n in names:
        r = results[n]
        m = r["minutes_to_95"]
        reach = "never" if m is None else f"{m:.2f} min ({m * factor:.2f} reference min)"
        print(
            f"{n:5s} trained {r['train_s']:.0f} s of a {60 * args.minutes:.0f} s budget "
            f"({r['eval_s'] / max(1e-9, r['train_s']):.0%} of it scoring held-out levels"
            + (f"; level pool built in {r['setup_s']:.0f} s before its clock" if r["setup_s"] > 0.5 else "")
            + f"), {r['steps_per_s']:.0f} env steps/s, {r['env_steps']} steps; unseen levels: o_base={r[BASE]:.3f} "
            f"efficiency={r['efficiency']:.3f}; held-out greedy o_base >= 0.95: {reach}"
        )
        print(
            "      curve (min, held-out o_base): "
            + " ".join(f"{row['wall_s'] / 60:.2f}:{row[BASE]:.2f}" for row in r["rows"])
        )

    print(last_line(results, factor))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
