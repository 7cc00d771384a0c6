"""`python main.py train --agent KIND --distribution D --seed S --steps N --out PATH`.

KIND is any kind with a trainer in agents/kinds.py (ppo, imitation, reflex, mesa).

Trains one agent (torch, deterministic for a seed on one device), then writes the checkpoint, a
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

from reddoor.agents import kinds
from reddoor.game.cli_args import (
    MAX_ROUNDS,
    MAX_SEED,
    MAX_STEPS,
    MAX_THREADS,
    Parser,
    count,
    fail,
    finite_float,
    output_problem,
)
from reddoor.game.core.generators import DISTRIBUTIONS
from reddoor.game.core.objectives import NEITHER, O_ALT, O_BASE, TIMEOUT

FINAL_EVAL_EPISODES = 1000


def torch_version() -> str:
    import torch

    return torch.__version__


def device_problem(device: str) -> str | None:
    """Why torch cannot train on `device` here, or None (checked before minutes of level generation)."""
    import torch

    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError) as e:
        return f"not a torch device ({e}); use cpu or cuda"
    if dev.type == "cuda" and not torch.cuda.is_available():
        return "this torch has no CUDA device (a CPU build, or no GPU here); use --device cpu"
    if dev.type not in ("cpu", "cuda"):
        return f"training runs on cpu or cuda, not {dev.type}"
    return None


def algorithms() -> dict[str, str]:
    """kind -> its training module (with `Args` and `train`), for every kind in agents/kinds.py that has one."""
    return {name: kinds.KINDS[name].trainer for name in kinds.trainable_kinds()}


def aliases() -> dict[str, str]:
    """Old kind names still accepted (agents/kinds.py), for the kinds that can be trained."""
    return {old: new for old, new in kinds.ALIASES.items() if new in kinds.trainable_kinds()}


# Whole-number settings with their own ceiling or floor; every other whole number is a count from 1 up.
FIELD_LIMITS = {"threads": MAX_THREADS, "rounds": MAX_ROUNDS}
FIELD_FLOORS = {"levels_per_rollout": 0}  # 0: every rollout draws from the whole pool
MAX_SETTING = 1_000_000_000


def field_type(name: str, default):
    """The argparse type of one Args field: counts are whole numbers from 1, rates finite numbers."""
    option = f"--{name.replace('_', '-')}"
    if isinstance(default, bool):
        return lambda text: text.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return count(option, FIELD_FLOORS.get(name, 1), FIELD_LIMITS.get(name, MAX_SETTING))
    if isinstance(default, float):
        return finite_float(option)
    return type(default)


def build_parser(agent: str | None = None) -> argparse.ArgumentParser:
    algos, old_names = algorithms(), aliases()
    p = Parser(prog="reddoor train", description="Train an agent (needs torch).")
    p.add_argument(
        "--agent",
        required=True,
        choices=sorted(algos) + sorted(old_names),
        help="; ".join(f"{k}: {kinds.KINDS[k].summary}" if kinds.KINDS[k].summary else k for k in algos)
        + "".join(f" ('{old}' is the old name of {new})" for old, new in old_names.items()),
    )
    defaults = {k: kinds.KINDS[k].default_distribution for k in algos}
    unusual = ", ".join(f"{d} for {k}" for k, d in defaults.items() if d != "train")
    p.add_argument(
        "--distribution",
        default=None,
        choices=DISTRIBUTIONS,
        help="levels to train on (default: train" + (f"; {unusual}" if unusual else "") + ")",
    )
    p.add_argument(
        "--seed",
        type=count("--seed", 0, MAX_SEED),
        default=0,
        help="seed of the levels, the initial weights and the draws (default 0)",
    )
    p.add_argument(
        "--steps",
        type=count("--steps", 1, MAX_STEPS),
        default=None,
        help="environment steps (or labelled pairs for imitation and reflex)",
    )
    p.add_argument(
        "--out",
        default=None,
        help="checkpoint path (default runs/<name>-seed<S>.npz; "
        "the shipped weights in assets/agents/ are never overwritten by default)",
    )
    agent = kinds.canonical(agent)
    if agent in kinds.round_kinds():
        p.add_argument(
            "--iterations",
            type=count("--iterations", 1, MAX_ROUNDS),
            default=None,
            help="an older name for --rounds",
        )
    if agent in algos:
        Args = importlib.import_module(algos[agent]).Args
        for f in dataclasses.fields(Args):
            if f.name in ("distribution", "seed", "steps"):
                continue
            p.add_argument(
                f"--{f.name.replace('_', '-')}",
                type=field_type(f.name, f.default),
                default=None,
                help=f"(default {f.default})",
            )
    return p


def close_progress_bars() -> None:
    try:
        from tqdm import tqdm
    except ImportError:
        return
    for bar in list(getattr(tqdm, "_instances", ())):
        bar.close()


def interrupted_message(out: Path, saved: bool, seconds: float) -> str:
    """What a Ctrl-C that stopped at once kept (a second one during training, or one in the held-out
    scoring): the finished checkpoint or nothing. A single Ctrl-C during training: _write_stopped."""
    if saved:
        return (
            f"reddoor train: interrupted (Ctrl-C) while scoring; the trained checkpoint is written to {out} "
            f"without its held-out score"
        )
    from reddoor.agents.train.common import Curve

    at = Curve.latest.rows[-1].get("env_steps") if Curve.latest is not None and Curve.latest.rows else None
    where = f" at {at:,} steps (last logged)" if isinstance(at, int) else ""
    return (
        f"reddoor train: interrupted (Ctrl-C) after {seconds:.0f} s{where}; nothing written "
        f"(one Ctrl-C stops after the current update and writes the weights so far)"
    )


def _write_stopped(out: Path, net, meta: dict, result: dict, algo_args, agent: str) -> int:
    """A run stopped by Ctrl-C: its weights and curve go to <out>-stopped.npz (out is left as it
    was), its metadata says where it stopped; exit 130, as for any interrupted command."""
    from reddoor.agents.checkpoint import save_checkpoint

    close_progress_bars()
    target = out.with_name(f"{out.stem}-stopped.npz")
    steps = int(result["env_steps"])
    meta.update(name=target.stem, stopped_early=f"Ctrl-C after {steps:,} of {algo_args.steps:,} steps")
    save_checkpoint(target, net.numpy_state(), meta)
    result["curve"].write(target, f"{agent} on {algo_args.distribution}, seed {algo_args.seed} (stopped early)")
    score = result["final"].get(O_BASE.name)
    scored = f"; held-out o_base {score:.3f} at the stop" if isinstance(score, float) and result["curve"].rows else ""
    print(
        f"reddoor train: stopped (Ctrl-C) after {steps:,} of {algo_args.steps:,} steps{scored}: wrote the weights "
        f"so far to {target}; {out} was not written",
        file=sys.stderr,
    )
    return 130


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
    args.agent = kinds.canonical(args.agent)
    module = importlib.import_module(algorithms()[args.agent])
    overrides = {k: v for k, v in vars(args).items() if v is not None and k not in ("agent", "out", "iterations")}
    if getattr(args, "iterations", None) is not None:  # the first build's name for --rounds
        overrides.setdefault("rounds", args.iterations)
    algo_args = module.Args(
        **{k: v for k, v in overrides.items() if k in {f.name for f in dataclasses.fields(module.Args)}}
    )

    device = getattr(algo_args, "device", "cpu")
    problem = device_problem(device)
    if problem:
        print(f"error: --device {device}: {problem}", file=sys.stderr)
        return 2

    from reddoor.agents.checkpoint import save_checkpoint

    rounds = getattr(algo_args, "rounds", None)
    name = f"{args.agent}{f'-k{rounds}' if rounds else ''}-{algo_args.distribution}-seed{algo_args.seed}"
    # Without --out a run goes to runs/, never over the shipped weights in assets/agents.
    out = Path(args.out) if args.out else Path("runs") / f"{name}.npz"
    problem = output_problem(out, suffix=".npz")
    if problem:  # checked before the training, not after it
        return fail("reddoor train", f"--out {out}: {problem}")
    out.parent.mkdir(parents=True, exist_ok=True)
    from reddoor.agents.train.common import StopRequest

    started, saved = time.time(), False
    try:
        with StopRequest.on_ctrl_c(
            lambda: print(
                "\nreddoor train: Ctrl-C: stopping after this update to write the "
                "weights so far (Ctrl-C again: stop now, write nothing)",
                file=sys.stderr,
            )
        ):
            result = module.train(algo_args, str(out))
            stopped = StopRequest.requested
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
            "trained_on": f"{platform.node()} {platform.machine()} torch {torch_version()} threads {algo_args.threads} "
            f"device {getattr(algo_args, 'device', 'cpu')}",
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        if stopped:  # written beside --out, which may hold weights worth more than an unfinished run
            return _write_stopped(out, net, meta, result, algo_args, args.agent)
        save_checkpoint(out, net.numpy_state(), meta)
        saved = True

        # Final O_base on the training distribution, by the shipped numpy agent on held-out levels.
        from reddoor.agents.loading import load_agent
        from reddoor.agents.rollout import play, summarise
        from reddoor.agents.train.common import TRAIN_VALIDATION_SEED
        from reddoor.game.core.batched import LevelPool

        pool = LevelPool.from_distribution(
            algo_args.distribution, FINAL_EVAL_EPISODES, first_seed=TRAIN_VALIDATION_SEED
        )
        final = summarise(play(load_agent(out), pool))
        meta["final_o_base_train"] = final[O_BASE.name]
        meta["final_train_scores"] = {
            k: final[k] for k in ("episodes", O_BASE.name, O_ALT.name, NEITHER, TIMEOUT, "efficiency")
        }
        save_checkpoint(out, net.numpy_state(), meta)
    except KeyboardInterrupt:
        close_progress_bars()  # else a bar redraws itself after the message, as the process exits
        print(f"\n{interrupted_message(out, saved, time.time() - started)}", file=sys.stderr)
        return 130
    except OSError as e:  # the disk filled or the folder went away while training
        return fail("reddoor train", f"cannot write {out}: {e.strerror or e}", 1)
    csv_path, png_path = result["curve"].write(out, f"{args.agent} on {algo_args.distribution}, seed {algo_args.seed}")
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB), {csv_path.name}, {png_path.name}")
    print(
        f"held-out {algo_args.distribution} ({FINAL_EVAL_EPISODES} levels): o_base={final[O_BASE.name]:.3f} "
        f"o_alt={final[O_ALT.name]:.3f} efficiency={final['efficiency']:.3f} wall={result['wall_time_s']:.0f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
