"""Our PPO against stable-baselines3's PPO (its defaults, MlpPolicy, 8 envs) on RedDoor-v0 `train`.

    python -m bench.train [--minutes 10] [--episodes 1000]

Each gets the same wall-clock budget on this machine, then both are scored (deterministic
actions) on the same unseen `train` levels (seeds from EVAL_SEED_BASE). Needs
requirements-bench.txt. Last line: ours_o_base=A sb3_o_base=B steps_per_s_ratio=R
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from agents.base import Agent
from game.core.batched import LevelPool
from game.core.generators import EVAL_SEED_BASE
from game.experiment import play, summarise


class _SB3Agent(Agent):
    kind = "sb3-ppo"

    def __init__(self, model):
        super().__init__("sb3-ppo")
        self.model = model

    def act_batch(self, obs: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.predict(obs, deterministic=True)[0], np.int64)


def run_ours(minutes: float, threads: int) -> tuple[Agent, float]:
    from agents.ppo import PPOAgent
    from agents.train import ppo

    args = ppo.Args(steps=10**9, max_minutes=minutes, threads=threads)
    result = ppo.train(args, "")
    net = result["net"]
    agent = PPOAgent({"architecture": net.config(), "kind": "ppo"}, net.numpy_state(), name="ours")
    return agent, result["env_steps"] / max(1e-9, result["wall_time_s"])


def run_sb3(minutes: float, threads: int) -> tuple[Agent, float]:
    import gymnasium as gym
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_vec_env

    import game.gym_env  # noqa: F401  registers RedDoor-v0

    torch.set_num_threads(threads)

    class WallClock(BaseCallback):
        def _on_training_start(self) -> None:
            self.t0 = time.time()

        def _on_step(self) -> bool:
            return time.time() - self.t0 < 60 * minutes

    env = make_vec_env(lambda: gym.make("RedDoor-v0", distribution="train"), n_envs=8, seed=0)
    model = PPO("MlpPolicy", env, seed=0, verbose=0)
    t0 = time.time()
    model.learn(total_timesteps=10**9, callback=WallClock())
    return _SB3Agent(model), model.num_timesteps / (time.time() - t0)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.train", description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=10.0, help="wall-clock training budget for each")
    p.add_argument("--episodes", type=int, default=1000, help="unseen train levels both are scored on")
    p.add_argument("--threads", type=int, default=2, help="torch threads for each")
    args = p.parse_args(argv)
    pool = LevelPool.from_distribution("train", args.episodes, first_seed=EVAL_SEED_BASE)

    ours, ours_sps = run_ours(args.minutes, args.threads)
    ours_score = summarise(play(ours, pool))
    print(f"ours: {ours_sps:.0f} env steps/s, o_base={ours_score['o_base']:.3f} efficiency={ours_score['efficiency']:.3f}")
    sb3, sb3_sps = run_sb3(args.minutes, args.threads)
    sb3_score = summarise(play(sb3, pool))
    print(f"sb3:  {sb3_sps:.0f} env steps/s, o_base={sb3_score['o_base']:.3f} efficiency={sb3_score['efficiency']:.3f}")
    print(f"ours_o_base={ours_score['o_base']:.3f} sb3_o_base={sb3_score['o_base']:.3f} steps_per_s_ratio={ours_sps / sb3_sps:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
