"""Batched-env throughput at B=1024 (random actions, resets included) against MiniGrid in the same run.

    python -m bench.env [--seconds 5] [--batch 1024]

Last line: env_steps_per_s=N minigrid_steps_per_s=M minigrid_ratio=R machine_factor=F
(machine_factor: bench/yardstick.py, measured in the same run; > 1 = faster than the reference box)
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bench.yardstick import machine_factor
from reddoor.game.core.batched import BatchedEnv


def ours(batch: int, seconds: float) -> tuple[float, int]:
    env = BatchedEnv("train", batch, seed=0, pool_size=2048)
    env.reset()
    rng = np.random.default_rng(0)
    actions = rng.integers(0, 4, size=(256, batch))
    steps = episodes = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for a in actions:
            _, _, _, _, info = env.step(a)
            episodes += int(info["done"].sum())
        steps += len(actions) * batch
    return steps / (time.perf_counter() - t0), episodes


def minigrid(seconds: float) -> float:
    import gymnasium as gym
    import minigrid  # noqa: F401  registers the MiniGrid envs
    from minigrid.wrappers import FullyObsWrapper

    env = FullyObsWrapper(gym.make("MiniGrid-GoToDoor-8x8-v0"))
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    steps = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for a in rng.integers(0, 7, size=256):
            _, _, term, trunc, _ = env.step(int(a))
            if term or trunc:
                env.reset()
        steps += 256
    return steps / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="time each side runs")
    parser.add_argument("--batch", type=int, default=1024, help="worlds stepped together")
    args = parser.parse_args()
    factor = machine_factor()
    ours_sps, episodes = ours(args.batch, args.seconds)
    print(f"batched env: {ours_sps:,.0f} steps/s at B={args.batch} ({episodes} episodes ended, so resets included)")
    try:
        mg = minigrid(args.seconds)
        print(f"MiniGrid-GoToDoor-8x8-v0 + FullyObsWrapper: {mg:,.0f} steps/s")
        print(
            f"env_steps_per_s={ours_sps:.0f} minigrid_steps_per_s={mg:.0f} minigrid_ratio={ours_sps / mg:.1f} machine_factor={factor:.2f}"
        )
    except ImportError:
        print('minigrid is not installed (the bench extra: pip install -c constraints.txt ".[bench]"); no ratio')
        print(f"env_steps_per_s={ours_sps:.0f} minigrid_steps_per_s=nan minigrid_ratio=nan machine_factor={factor:.2f}")


if __name__ == "__main__":
    main()
