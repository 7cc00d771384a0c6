"""The default experiment table, timed: `python main.py eval` with no arguments, in this process.

    python -m bench.eval [--episodes 500] [--jobs N]

Runs lab.runner.run_table on the default line-up (every shipped agent, oracle, random) and
the default distributions, with the worker processes `eval` would use, and times it against the
yardstick measured in the same run. Target: 30 reference seconds. With --check CSV it also says
whether every row of a previous experiment.csv whose agent is still in the line-up (same name)
came out with the same counts: deterministic agents must give bit-identical rates.

Last line: eval_s=T eval_reference_s=R rows=N machine_factor=F
"""

from __future__ import annotations

import argparse
import time

# The first build's table named agents by spec; today's names for the same weights.
# (ppo-train was retrained since: its rows are expected to differ, so it is not compared.)
FIRST_BUILD_NAMES = {
    "classifier-train": "imitation-k48",
    "classifier-diverse": "imitation-k48-diverse",
    "mesa-train": "mesa",
    "ppo-diverse": "ppo-k48-diverse",
    "ppo-train": "ppo-train (first build)",
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.eval", description=__doc__.splitlines()[0])
    p.add_argument("--episodes", type=int, default=None, help="levels per distribution (default: eval's default)")
    p.add_argument(
        "--jobs", type=int, default=None, help="worker processes (default: eval's default, the available cores)"
    )
    p.add_argument("--check", default=None, metavar="CSV", help="an earlier experiment.csv to compare counts with")
    args = p.parse_args(argv)
    from bench.yardstick import machine_factor
    from reddoor.game.core.objectives import NEITHER, O_ALT, O_BASE, TIMEOUT
    from reddoor.lab.experiment import DEFAULT_DISTRIBUTIONS, DEFAULT_EPISODES
    from reddoor.lab.lineup import shipped_agents
    from reddoor.lab.runner import available_cores, run_table

    factor = machine_factor()
    specs = shipped_agents(lambda m: None)
    episodes = args.episodes or DEFAULT_EPISODES
    jobs = args.jobs or available_cores()
    t0 = time.perf_counter()
    rows = run_table(specs, DEFAULT_DISTRIBUTIONS, episodes, jobs=jobs)
    elapsed = time.perf_counter() - t0
    print(
        f"{len(specs)} agents x {len(DEFAULT_DISTRIBUTIONS)} distributions x {episodes} episodes, {jobs} processes: "
        f"{elapsed:.1f} s here, {elapsed * factor:.1f} reference s"
    )
    if args.check:
        import csv

        with open(args.check, newline="") as f:
            # A table with a decode column is matched on it too (each kind's own decoder is played here).
            old = {
                (FIRST_BUILD_NAMES.get(r["agent"], r["agent"]), r.get("decode"), r["distribution"]): r
                for r in csv.DictReader(f)
            }
        with_decode = any(key[1] is not None for key in old)
        same = differ = 0
        for r in rows:
            o = old.get((r["agent"], r["decode"] if with_decode else None, r["distribution"]))
            if o is None:
                continue
            keys = tuple(f"{k}_count" for k in (O_BASE.name, O_ALT.name, NEITHER, TIMEOUT))
            if all(int(o[k]) == int(r[k]) for k in keys):
                same += 1
            else:
                differ += 1
                print(
                    f"differs: {r['agent']} on {r['distribution']}: " + ", ".join(f"{k} {o[k]} -> {r[k]}" for k in keys)
                )
        print(f"compared with {args.check}: {same} rows the same, {differ} different")
    print(f"eval_s={elapsed:.1f} eval_reference_s={elapsed * factor:.1f} rows={len(rows)} machine_factor={factor:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
