"""The thinking-time study, timed: `python main.py thinking` on shipped FieldNets, against the same
nets scored only at their trained K (what `eval --decode both` costs) in the same run.

    python -m bench.thinking [--agents imitation-k8,imitation-k48] [--episodes 20] [--jobs N]

The study runs each net at seven test rounds (K/2 … 4K), greedy and sampled, on four distributions;
most of its cost is the rounds beyond K, so the ratio to the baseline says how much more a thinking-time
table costs than one eval of the same nets. `level_ms` is the reference milliseconds per
(net, rounds, decoder, level), which times 43 nets × 7 rounds × 2 decoders × 4 distributions × 200
levels estimates the run behind docs/thinking-time.md.

Last line: thinking_s=T baseline_s=B ratio=R level_ms=M reference_s=S machine_factor=F
"""

from __future__ import annotations

import argparse
import time


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.thinking", description=__doc__.splitlines()[0])
    p.add_argument("--agents", default="imitation-k8,imitation-k48", help="comma-separated FieldNet specs")
    p.add_argument("--episodes", type=int, default=20, help="levels per distribution (default 20)")
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: the available cores)")
    args = p.parse_args(argv)
    from bench.yardstick import machine_factor
    from reddoor.lab.lineup import with_decoding
    from reddoor.lab.runner import available_cores, run_table
    from reddoor.lab.thinking import DISTRIBUTIONS, run_thinking

    nets = [a.strip() for a in args.agents.split(",") if a.strip()]
    jobs = args.jobs or available_cores()
    factor = machine_factor()
    t0 = time.perf_counter()
    base = run_table(with_decoding(nets, "both"), DISTRIBUTIONS, args.episodes, jobs=jobs)
    baseline = time.perf_counter() - t0
    t0 = time.perf_counter()
    rows = run_thinking(nets, args.episodes, jobs=jobs)
    thinking = time.perf_counter() - t0
    levels = len(rows) * args.episodes
    level_ms = 1000 * thinking * factor / levels
    print(
        f"{len(nets)} nets x {len(DISTRIBUTIONS)} distributions x {args.episodes} levels, {jobs} processes: "
        f"baseline {len(base)} rows {baseline:.1f} s, thinking {len(rows)} rows {thinking:.1f} s here"
    )
    print(
        f"thinking_s={thinking:.1f} baseline_s={baseline:.1f} ratio={thinking / baseline:.2f} "
        f"level_ms={level_ms:.2f} reference_s={thinking * factor:.1f} machine_factor={factor:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
