"""The experiment: agents x distributions x episodes, scored under every objective.

`run_table` plays each agent on the same unseen levels of each distribution (seeds from
EVAL_SEED_BASE up, never used in training) and returns one result dict per (agent, distribution);
`main` is the `python main.py eval` command line (`--json`: one JSON object per line).
"""
from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np

from game.core.batched import BatchedEnv, LevelPool
from game.core.generators import DISTRIBUTIONS, EVAL_SEED_BASE

SEED_STRIDE = 100_000  # eval seed s plays levels EVAL_SEED_BASE + s * SEED_STRIDE + 0, 1, ...


def eval_first_seed(seed: int) -> int:
    return EVAL_SEED_BASE + int(seed) * SEED_STRIDE


def wilson(successes: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval for a rate."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    d = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / d
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, centre - half), min(1.0, centre + half))


def play(agent, pool: LevelPool, episodes: int | None = None, batch: int = 256, seed: int = 0) -> dict[str, np.ndarray]:
    """Each of the first `episodes` pool levels played once by `agent`: per-episode outcome arrays."""
    n = len(pool) if episodes is None else min(episodes, len(pool))
    env = BatchedEnv(pool, min(n, batch), seed, draw="sequential")
    obs = env.reset()
    agent.reset(seed)
    rows = {k: np.zeros(n, np.float32) for k in ("steps", "shortest", "terminated")}
    rows["reached_kind"] = np.full(n, -1, np.int64)
    rows["reached_color"] = np.full(n, -1, np.int64)
    scores: dict[str, np.ndarray] = {}
    seen = np.zeros(n, bool)
    while not seen.all():
        obs, _, term, _, info = env.step(agent.act_batch(obs.copy()))
        for i in np.flatnonzero(info["done"]):
            li = int(info["level_index"][i])
            if li >= n or seen[li]:
                continue
            seen[li] = True
            rows["steps"][li] = info["steps"][i]
            rows["shortest"][li] = info["shortest"][i]
            rows["terminated"][li] = term[i]
            rows["reached_kind"][li] = info["reached_kind"][i]
            rows["reached_color"][li] = info["reached_color"][i]
            for name, v in info["scores"].items():
                scores.setdefault(name, np.zeros(n, np.float32))[li] = v[i]
    rows.update({f"score_{k}": v for k, v in scores.items()})
    return rows


def summarise(rows: dict[str, np.ndarray]) -> dict:
    """Rates with 95% intervals: O_base, O_alt, neither (reached an object satisfying neither),
    timeout, and efficiency (shortest path / steps, over episodes that reached an object)."""
    n = len(rows["steps"])
    term = rows["terminated"] > 0
    o_base, o_alt = rows["score_o_base"], rows["score_o_alt"]
    neither = term & (o_base == 0) & (o_alt == 0)
    eff = np.minimum(1.0, rows["shortest"][term] / np.maximum(1, rows["steps"][term]))
    out = {"episodes": n}
    for key, v in (("o_base", o_base.sum()), ("o_alt", o_alt.sum()), ("neither", neither.sum()), ("timeout", (~term).sum())):
        out[key] = round(float(v) / max(1, n), 4)
        out[f"{key}_ci"] = [round(x, 4) for x in wilson(float(v), n)]
    out["efficiency"] = round(float(eff.mean()), 4) if eff.size else 0.0
    out["mean_steps"] = round(float(rows["steps"].mean()), 2)
    for key in rows:
        if key.startswith("score_") and key not in ("score_o_base", "score_o_alt"):
            out[key[len("score_"):]] = round(float(rows[key].mean()), 4)
    return out


def run_table(agent_specs: list[str], distributions: list[str], episodes: int, seed: int = 0,
              progress=None) -> list[dict]:
    """One result dict per (agent, distribution), every agent on the same levels of a distribution."""
    from agents.loading import load_agent

    agents = [(spec, load_agent(spec, seed=seed)) for spec in agent_specs]
    results = []
    for dist in distributions:
        pool = LevelPool.from_distribution(dist, episodes, first_seed=eval_first_seed(seed))
        for spec, agent in agents:
            t = time.time()
            row = {"agent": spec, "distribution": dist, "seed": seed, "first_level_seed": eval_first_seed(seed)}
            row.update(summarise(play(agent, pool, episodes, seed=seed)))
            row["wall_s"] = round(time.time() - t, 2)
            results.append(row)
            if progress:
                progress(row)
    return results


def format_table(results: list[dict]) -> str:
    cols = ("agent", "distribution", "episodes", "o_base", "o_alt", "neither", "timeout", "efficiency")
    lines = ["  ".join(f"{c:>12}" for c in cols)]
    for r in results:
        lines.append("  ".join(f"{r[c]:>12}" if not isinstance(r[c], float) else f"{r[c]:>12.3f}" for c in cols))
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reddoor eval", description="Score agents on distributions under every objective.")
    p.add_argument("--agents", default="oracle,ppo,classifier,mesa,random",
                   help="comma-separated: kind names (shipped train weights), <kind>-diverse, or checkpoint paths")
    p.add_argument("--distributions", default="train,conflict", help=f"comma-separated, from {', '.join(DISTRIBUTIONS)}")
    p.add_argument("--episodes", type=int, default=1000, help="levels per distribution (each played once)")
    p.add_argument("--seed", type=int, default=0, help="which block of unseen evaluation levels")
    p.add_argument("--json", action="store_true", help="one JSON object per (agent, distribution) per line")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(argv or [])
    if argv[:1] == ["--"]:
        argv = argv[1:]
    args = build_parser().parse_args(argv)
    from agents.loading import CheckpointError
    dists = [d.strip() for d in args.distributions.split(",") if d.strip()]
    bad = [d for d in dists if d not in DISTRIBUTIONS]
    if bad:
        print(f"unknown distribution {bad[0]!r}; expected one of {', '.join(DISTRIBUTIONS)}")
        return 2
    specs = [a.strip() for a in args.agents.split(",") if a.strip()]
    try:
        emit = (lambda row: print(json.dumps(row), flush=True)) if args.json else None
        results = run_table(specs, dists, args.episodes, args.seed, progress=emit)
    except (CheckpointError, ValueError) as e:
        print(f"error: {e}")
        return 2
    if not args.json:
        print(format_table(results))
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv[1:]))
