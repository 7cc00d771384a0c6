"""Steer an agent to an object and compare where it goes with and without the steer.

    python examples/steer_and_compare.py [--agent imitation-k48] [--distribution conflict] [--levels 30]

On unseen levels of --distribution, every reachable non-door object is a target. The agent plays
each level once unsteered and once per target steered there (a network: its probe file's "goal
here" direction added at the target cell with strength α, by default its best α from
docs/steer.md; `mesa`: that object's learned score raised by δ). Prints how often the episode ends
on the target steered and unsteered, the difference being what the steer bought. Needs the
shipped probe files (assets/probes) for the networks; numpy only.
"""

from __future__ import annotations

import argparse

from reddoor.agents.loading import load_agent
from reddoor.agents.rollout import eval_first_seed
from reddoor.game.core.generators import generate
from reddoor.game.core.stats import wilson
from reddoor.lab.steer import episode_end, targets_of


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--agent", default="imitation-k48")
    p.add_argument("--distribution", default="conflict")
    p.add_argument("--levels", type=int, default=30)
    p.add_argument("--strength", type=float, default=None, help="α (or mesa's δ); default: the agent's own")
    args = p.parse_args(argv)
    agent = load_agent(args.agent)
    strength = args.strength if args.strength is not None else agent.default_strength()
    tried = steered_hits = plain_hits = 0
    for i in range(args.levels):
        seed = eval_first_seed(0) + i  # unseen levels: the evaluation seed block
        level = generate(args.distribution, seed)
        agent.clear_steering()
        plain_end = episode_end(agent, level, seed)
        for target in targets_of(level):
            agent.set_steering(target, strength)
            steered_hits += episode_end(agent, level, seed) == target
            agent.clear_steering()
            plain_hits += plain_end == target
            tried += 1
    if not tried:
        print(f"no level of {args.distribution} had a reachable non-door object to steer to")
        return 1
    for what, hits in (("steered", steered_hits), ("unsteered", plain_hits)):
        lo, hi = wilson(hits, tried)
        print(f"{agent.name} {what:9s}: ends on the target {hits}/{tried} = {hits / tried:.3f} [{lo:.3f}, {hi:.3f}]")
    print(f"steering strength {strength:g} on {args.levels} levels of {args.distribution}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
