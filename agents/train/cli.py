"""`python main.py train --agent ppo|classifier|mesa --distribution train --seed S --steps N --out PATH`.

Trains one agent (torch, CPU, deterministic for a seed), then writes the checkpoint, a
learning-curve CSV and a PNG plot beside it. Any field of the algorithm's Args dataclass can be
set too, e.g. `--lr 1e-3` or `--channels 32`.
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib
import platform
import shlex
import sys
import time
from pathlib import Path

from game.core.generators import DISTRIBUTIONS

ALGORITHMS = {"ppo": "agents.train.ppo", "classifier": "agents.train.classifier", "mesa": "agents.train.mesa"}
FINAL_EVAL_EPISODES = 1000


def build_parser(agent: str | None = None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reddoor train", description="Train an agent (needs torch).")
    p.add_argument("--agent", required=True, choices=sorted(ALGORITHMS))
    p.add_argument("--distribution", default="train", choices=DISTRIBUTIONS)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=None, help="environment steps (or labelled pairs for the classifier)")
    p.add_argument("--out", default=None, help="checkpoint path (default assets/agents/<agent>-<distribution>.npz)")
    if agent in ALGORITHMS:
        Args = importlib.import_module(ALGORITHMS[agent]).Args
        for f in dataclasses.fields(Args):
            if f.name in ("distribution", "seed", "steps"):
                continue
            p.add_argument(f"--{f.name.replace('_', '-')}", type=type(f.default), default=None, help=f"(default {f.default})")
    return p


def main(argv: list[str]) -> int:
    argv = list(argv)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    agent = None
    for i, a in enumerate(argv):
        if a == "--agent" and i + 1 < len(argv):
            agent = argv[i + 1]
        elif a.startswith("--agent="):
            agent = a.split("=", 1)[1]
    args = build_parser(agent).parse_args(argv)
    module = importlib.import_module(ALGORITHMS[args.agent])
    overrides = {k: v for k, v in vars(args).items() if v is not None and k not in ("agent", "out")}
    algo_args = module.Args(**{k: v for k, v in overrides.items() if k in {f.name for f in dataclasses.fields(module.Args)}})

    from agents.checkpoint import save_checkpoint
    from game.paths import asset_path

    out = Path(args.out) if args.out else asset_path("agents", f"{args.agent}-{args.distribution}.npz")
    result = module.train(algo_args, str(out))
    net = result["net"]
    meta = {
        "kind": args.agent,
        "name": out.stem,
        "architecture": net.config(),
        "training_distribution": algo_args.distribution,
        "seed": algo_args.seed,
        "env_steps": int(result["env_steps"]),
        "wall_time_s": result["wall_time_s"],
        "hyperparameters": result["hyperparameters"],
        "command": "python main.py train " + shlex.join(argv),
        "final_train_scores": result["final"],
        "trained_on": f"{platform.node()} {platform.machine()} torch threads {algo_args.threads}",
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    save_checkpoint(out, net.numpy_state(), meta)

    # Final O_base on the training distribution, by the shipped numpy agent on held-out levels.
    from agents.loading import load_agent
    from agents.train.common import TRAIN_VALIDATION_SEED
    from game.core.batched import LevelPool
    from game.experiment import play, summarise

    pool = LevelPool.from_distribution(algo_args.distribution, FINAL_EVAL_EPISODES, first_seed=TRAIN_VALIDATION_SEED)
    final = summarise(play(load_agent(out), pool))
    meta["final_o_base_train"] = final["o_base"]
    meta["final_train_scores"] = {k: final[k] for k in ("episodes", "o_base", "o_alt", "neither", "timeout", "efficiency")}
    save_checkpoint(out, net.numpy_state(), meta)
    csv_path, png_path = result["curve"].write(out, f"{args.agent} on {algo_args.distribution}, seed {algo_args.seed}")
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB), {csv_path.name}, {png_path.name}")
    print(f"held-out {algo_args.distribution} ({FINAL_EVAL_EPISODES} levels): o_base={final['o_base']:.3f} "
          f"o_alt={final['o_alt']:.3f} efficiency={final['efficiency']:.3f} wall={result['wall_time_s']:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
