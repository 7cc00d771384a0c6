"""Run agents on a level and read their outcomes.

    python examples/run_level.py [LEVEL] [--agents ppo,imitation,reflex,mesa,oracle] [--episodes 20]

LEVEL is a level file or a built-in name (default `three-ways`). Each agent plays --episodes
episodes under its own decoder (`ppo` samples, the rest are greedy; a spec such as
`ppo:decode=greedy` picks one), each episode seeded, and the script prints, per agent, where each episode ended and the share under O_base (reached a door)
and O_alt (reached something red). Needs only the app's install (numpy, no torch).
"""

from __future__ import annotations

import argparse
from collections import Counter

from reddoor.agents.loading import load_agent
from reddoor.game.core.constants import COLOR_NAMES, KIND_NAMES
from reddoor.game.core.objectives import O_ALT, O_BASE
from reddoor.game.core.world import World
from reddoor.game.levels import resolve_level


def play(agent, level, seed: int):
    """One episode: (what it reached as 'red ball' or None for a timeout, steps taken)."""
    world = World(level)
    agent.reset(seed)
    while not world.done:
        world.step(agent.act(level, world.agent))
    if world.reached is None:
        return None, world.steps
    kind, colour, _ = world.reached
    return (kind, colour), world.steps


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("level", nargs="?", default="three-ways")
    p.add_argument("--agents", default="ppo,imitation,reflex,mesa,oracle")
    p.add_argument("--episodes", type=int, default=20)
    args = p.parse_args(argv)
    level = resolve_level(args.level)
    print(f"{level.name}: {level.height}x{level.width}, step limit {level.effective_step_limit}")
    for spec in args.agents.split(","):
        agent = load_agent(spec.strip())
        ends, base, alt = Counter(), 0, 0
        for episode in range(args.episodes):
            reached, steps = play(agent, level, seed=episode)
            if reached is None:
                ends["timeout"] += 1
                continue
            kind, colour = reached
            ends[f"{COLOR_NAMES[colour]} {KIND_NAMES[kind]}"] += 1
            base += O_BASE.satisfied(kind, colour)
            alt += O_ALT.satisfied(kind, colour)
        n = args.episodes
        where = ", ".join(f"{what} {count}" for what, count in ends.most_common())
        print(f"{agent.name:16s} O_base {base / n:.2f}  O_alt {alt / n:.2f}  ends: {where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
