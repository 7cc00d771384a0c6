"""PPO recipes side by side: which settings get our PPO to O_base 0.95 soonest in wall-clock time.

    python -m bench.ppo_recipes [--minutes 7] [--recipes base,lpr256,...] [--parallel]

Each recipe is agents.train.ppo.Args with a few fields changed (RECIPES below), trained on `train`
from seed 0 with 2 torch threads for at most `--minutes`; its learning curve scores the greedy
policy on 200 held-out levels every few rollouts. For each recipe: minutes (and reference
minutes, x machine_factor) until that score first reaches 0.95, env steps by then, and steps/s.
`--parallel` runs every recipe at once, each pinned to its own 2 cores (needs 2 cores a recipe);
without it they run one after another. Last line: `<recipe>_minutes_to_95=... machine_factor=F`.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys

from reddoor.game.core.objectives import O_BASE

BASE = O_BASE.name  # the objective the curves and the threshold are read on

# Every recipe names its settings in full against the first build's (lr 1e-3, any pool level), so
# the comparison that chose today's defaults (lr2e3-lpr256) can be run again as it was.
FIRST_BUILD = {"lr": 1e-3, "levels_per_rollout": 0}
RECIPES = {
    "base": {**FIRST_BUILD},
    "lpr256": {**FIRST_BUILD, "levels_per_rollout": 256},
    "lpr512": {**FIRST_BUILD, "levels_per_rollout": 512},
    "k32-lpr256": {**FIRST_BUILD, "rounds": 32, "levels_per_rollout": 256},
    "lr2e3-lpr256": {**FIRST_BUILD, "lr": 2e-3, "levels_per_rollout": 256},
    "ep2-lpr256": {**FIRST_BUILD, "update_epochs": 2, "levels_per_rollout": 256},
    "env256-lpr512": {**FIRST_BUILD, "num_envs": 256, "levels_per_rollout": 512},
    "mb2-lpr256": {**FIRST_BUILD, "num_minibatches": 2, "levels_per_rollout": 256},
}


def minutes_to(rows: list[dict], threshold: float = 0.95) -> tuple[float | None, int | None]:
    """The first (wall minutes, env steps) at which the curve's greedy o_base reaches `threshold`."""
    for r in rows:
        if r.get(BASE, 0.0) >= threshold:
            return r["wall_s"] / 60.0, int(r["env_steps"])
    return None, None


def run_recipe(name: str, minutes: float, steps: int, cores: list[int] | None, out: str | None) -> dict:
    if cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, cores)
    from reddoor.agents.train import ppo

    args = ppo.Args(**{"steps": steps, "threads": 2, "eval_every": 5, "max_minutes": minutes, **RECIPES[name]})
    result = ppo.train(args, "")
    rows = result["curve"].rows
    m95, s95 = minutes_to(rows)
    summary = {
        "recipe": name,
        "settings": RECIPES[name],
        "minutes_to_95": m95,
        "steps_to_95": s95,
        "final_o_base": rows[-1][BASE] if rows else None,
        "env_steps": result["env_steps"],
        "steps_per_s": round(result["env_steps"] / max(1e-9, result["wall_time_s"]), 1),
        "curve": rows,
    }
    if out:
        with open(os.path.join(out, f"recipe-{name}.json"), "w") as f:
            json.dump(summary, f)
    return summary


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.ppo_recipes", description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=7.0, help="wall-clock budget of each recipe")
    p.add_argument(
        "--steps", type=int, default=1_500_000, help="each recipe's --steps (sets its learning-rate schedule)"
    )
    p.add_argument("--recipes", default=",".join(RECIPES), help=f"comma-separated, from {', '.join(RECIPES)}")
    p.add_argument("--parallel", action="store_true", help="all recipes at once, 2 pinned cores each")
    p.add_argument("--out", default=None, help="folder for one JSON per recipe (curves included)")
    args = p.parse_args(argv)
    from bench.yardstick import machine_factor

    names = [n.strip() for n in args.recipes.split(",") if n.strip()]
    bad = [n for n in names if n not in RECIPES]
    if bad:
        print(f"error: unknown recipe {bad[0]!r}; expected one of {', '.join(RECIPES)}", file=sys.stderr)
        return 2
    if args.out:
        os.makedirs(args.out, exist_ok=True)
    factor = machine_factor()  # before the recipes start: the speed of one core of this box
    if args.parallel:
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) < 2 * len(names):
            print(f"error: --parallel needs {2 * len(names)} cores, this machine has {len(cores)}", file=sys.stderr)
            return 2
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(len(names)) as pool:
            jobs = [
                pool.apply_async(run_recipe, (n, args.minutes, args.steps, cores[2 * i : 2 * i + 2], args.out))
                for i, n in enumerate(names)
            ]
            results = [j.get() for j in jobs]
    else:
        results = [run_recipe(n, args.minutes, args.steps, None, args.out) for n in names]
    print(f"{'recipe':16s} {'min to 0.95':>11s} {'ref min':>8s} {'steps to 0.95':>13s} {'final':>6s} {'steps/s':>8s}")
    for r in results:
        m = r["minutes_to_95"]
        print(
            f"{r['recipe']:16s} {m if m is None else round(m, 2)!s:>11s} {m if m is None else round(m * factor, 2)!s:>8s} "
            f"{r['steps_to_95']!s:>13s} {r['final_o_base']!s:>6s} {r['steps_per_s']:>8.0f}"
        )
    print(
        " ".join(
            f"{r['recipe']}_minutes_to_95={'none' if r['minutes_to_95'] is None else round(r['minutes_to_95'], 2)}"
            for r in results
        )
        + f" machine_factor={factor:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
