"""Steering: retarget an agent by editing its internals, and measure it. `python main.py steer`.

FieldNets (ppo, imitation): the "goal here" direction is the mean difference of the last round's
hidden state (what the head reads) between the cell of the object the agent's own episode ended
on and the cells of the other objects of the same levels, over fit levels of `train` and
`conflict` (`goal_direction`, lab/probe.py). It is defined by the agent's revealed goal rather than by a label
we choose (door, red), and read at the object's own cell, where steering writes it. Steering adds
alpha x that direction to the net's input drive at one object's cell, which enters every round
(agents/policy.py FieldPolicy.set_steering). Control: a random direction of the same norm, a fresh
one for every (level, object).

mesa: steering raises the learned score of the chosen object by delta ("cell"); editing the
kind x colour score itself ("kind-colour") raises every object of that kind and colour. Control:
a random direction of the same norm over the level's object scores.

Success: the episode ends on the chosen object. Every non-door object of held-out `conflict`
levels is a target, at every alpha.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from reddoor.agents.rollout import eval_first_seed
from reddoor.game.blas import limit_blas_threads
from reddoor.game.cli_args import (
    MAX_ALPHA,
    MAX_ALPHAS,
    MAX_PROBE_LEVELS,
    MAX_SEED,
    Parser,
    count,
    fail,
    output_problem,
    rounds_test_option,
)
from reddoor.game.core.constants import DOOR
from reddoor.game.core.generators import generate
from reddoor.game.core.level import UNREACHABLE, Level
from reddoor.game.core.stats import wilson
from reddoor.game.core.world import World
from reddoor.lab.lineup import agent_label, with_rounds
from reddoor.lab.probe import DEFAULT_DISTRIBUTIONS, FIT_LEVELS, goal_direction
from reddoor.lab.report import json_safe

FIELD_ALPHAS = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
MESA_ALPHAS = (0.0, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
DEFAULT_LEVELS = 100
# The held-out levels start here in the evaluation seed block, clear of every level a probe or a
# direction is fitted on (those start at offset 0).
HELD_OUT_OFFSET = 50_000


def episode_end(agent, level: Level, seed: int) -> tuple[int, int] | None:
    """Where one episode of `agent` (as steered now) on `level` ends: the object's cell, or None."""
    world = World(level)
    agent.reset(seed)
    while not world.done:
        world.step(agent.act(level, world.agent))
    return None if world.reached is None else world.reached[2]


def targets_of(level: Level) -> list[tuple[int, int]]:
    """The steering targets of a level: every non-door object the agent can reach."""
    dist = level.distances()
    return [(r, c) for r, c, k, _ in level.objects() if k != DOOR and dist[r, c] != UNREACHABLE]


def _rate(k: int, n: int) -> tuple[float, list[float]]:
    lo, hi = wilson(k, n)
    return (round(k / n, 4) if n else float("nan")), [round(lo, 4), round(hi, 4)]


def run_steer(
    agent,
    levels: int | Sequence[Level] = DEFAULT_LEVELS,
    alphas: Sequence[float] | None = None,
    seed: int = 0,
    distribution: str = "conflict",
    direction: np.ndarray | None = None,
    fit_levels: int | Sequence[Level] = FIT_LEVELS,
) -> dict:
    """Success against alpha for `agent` and the random-direction control on `levels` held-out
    levels of `distribution` (or the given levels), every non-door object a target. Returns
    {"rows": one per (method, alpha), "direction_norm", "targets"}. A FieldNet's direction is
    `direction`, else goal_direction's on `fit_levels`."""
    is_mesa = agent.steer_by == "score"
    if not agent.steer_by:
        raise ValueError(f"{agent.name} cannot be steered (steering needs a FieldNet agent or mesa)")
    alphas = list(alphas if alphas is not None else (MESA_ALPHAS if is_mesa else FIELD_ALPHAS))
    fit = None
    if not is_mesa and direction is None:
        fit = goal_direction(agent, DEFAULT_DISTRIBUTIONS, fit_levels, seed)
        direction = fit["direction"]
    if isinstance(levels, int):
        first = eval_first_seed(seed) + HELD_OUT_OFFSET
        lvs = [generate(distribution, first + i) for i in range(levels)]
    else:
        lvs = list(levels)
    rng = np.random.default_rng([seed, 7])
    methods = ["cell", "kind-colour"] if is_mesa else ["direction"]
    counts = {(m, a): [0, 0, 0, 0] for m in methods + ["random"] for a in alphas}  # success, door, timeout, n
    n_targets = 0
    for i, lv in enumerate(lvs):
        for j, cell in enumerate(targets_of(lv)):
            n_targets += 1
            ep_seed = int(seed * 1_000_003 + i * 101 + j)
            objects = [(r, c) for r, c, _, _ in lv.objects()]
            if is_mesa:
                v = rng.standard_normal(len(objects))
            else:
                v = rng.standard_normal(len(direction)).astype(np.float32)
            v /= max(float(np.linalg.norm(v)), 1e-12)
            base = None
            for a in alphas:
                for m in methods + ["random"]:
                    if a == 0 and base is not None:
                        end = base  # alpha 0: no steering, one episode serves every method
                    else:
                        agent.clear_steering()
                        if a != 0:
                            if m == "random" and is_mesa:
                                agent.set_nudges({o: a * float(x) for o, x in zip(objects, v)})
                            elif m == "random":
                                agent.set_steering(cell, a, v * float(np.linalg.norm(direction)))
                            elif is_mesa:
                                agent.set_steering(cell, a, same_kind_colour=(m == "kind-colour"))
                            else:
                                agent.set_steering(cell, a, direction)
                        end = episode_end(agent, lv, ep_seed)
                        if a == 0:
                            base = end
                    c = counts[(m, a)]
                    c[0] += int(end == cell)
                    c[1] += int(end is not None and lv.kind[end] == DOOR)
                    c[2] += int(end is None)
                    c[3] += 1
    agent.clear_steering()
    rows = []
    for m in methods:
        for a in alphas:
            s, d, to, n = counts[(m, a)]
            cs, cd, cto, cn = counts[("random", a)]
            succ, ci = _rate(s, n)
            csucc, cci = _rate(cs, cn)
            rows.append(
                {
                    "agent": agent.name,
                    "method": m,
                    "alpha": a,
                    "targets": n,
                    "success": succ,
                    "success_ci": ci,
                    "door": _rate(d, n)[0],
                    "timeout": _rate(to, n)[0],
                    "control_success": csucc,
                    "control_ci": cci,
                    "control_door": _rate(cd, cn)[0],
                    "control_timeout": _rate(cto, cn)[0],
                    "levels": len(lvs),
                    "distribution": distribution,
                }
            )
    out = {"rows": rows, "targets": n_targets}
    if direction is not None:
        out["direction_norm"] = float(np.linalg.norm(direction))
    if fit is not None:
        out.update(goal_cells=fit["goal_cells"], other_cells=fit["other_cells"])
    return out


# -- tables, files, figure --------------------------------------------------------------------
def kind_colour_scores(agent) -> str:
    """Markdown: mesa's learned score of every object kind x colour (its objective, which a
    kind-colour edit changes), one row per kind."""
    from reddoor.game.core.constants import COLOR_NAMES, KIND_NAMES, OBJECT_KINDS
    from reddoor.game.core.observation import CH_COLOR0, CH_KIND0, N_CHANNELS

    cells = np.zeros((1, N_CHANNELS - 1, len(OBJECT_KINDS), len(COLOR_NAMES)), np.uint8)
    for i, k in enumerate(OBJECT_KINDS):
        cells[0, CH_KIND0 + k - DOOR, i, :] = 1
        for c in range(len(COLOR_NAMES)):
            cells[0, CH_COLOR0 + c, i, c] = 1
    scores = agent.net(cells)[0]
    out = [
        f"{agent.name}'s learned score per kind x colour (the planner walks to the highest-scoring reachable object):",
        "",
        "| kind | " + " | ".join(COLOR_NAMES) + " |",
        "|---|" + "---:|" * len(COLOR_NAMES),
    ]
    for i, k in enumerate(OBJECT_KINDS):
        out.append(f"| {KIND_NAMES[k]} | " + " | ".join(f"{scores[i, c]:.3f}" for c in range(len(COLOR_NAMES))) + " |")
    return "\n".join(out)


def format_table(rows: Sequence[dict]) -> str:
    out = [
        "| agent | method | alpha | targets | success [95% CI] | ended on the door | timeout | random direction: success [95% CI] | random: door | random: timeout |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        out.append(
            f"| {r['agent']} | {r['method']} | {r['alpha']:g} | {r['targets']} | {r['success']:.3f} "
            f"[{r['success_ci'][0]:.3f}, {r['success_ci'][1]:.3f}] | {r['door']:.3f} | {r['timeout']:.3f} | {r['control_success']:.3f} "
            f"[{r['control_ci'][0]:.3f}, {r['control_ci'][1]:.3f}] | {r['control_door']:.3f} | {r['control_timeout']:.3f} |"
        )
    return "\n".join(out)


def format_summary(rows: Sequence[dict]) -> str:
    """Markdown, one row per (agent, method): success unsteered, the best success and its alpha, the
    random direction's success at that alpha and its best at any alpha."""
    out = [
        "| agent | method | targets | success at 0 | best success (alpha) | random direction at that alpha | random direction, best |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for key in dict.fromkeys((r["agent"], r["method"]) for r in rows):
        rs = [r for r in rows if (r["agent"], r["method"]) == key]
        zero = next((f"{r['success']:.3f}" for r in rs if r["alpha"] == 0), "—")
        best = max(rs, key=lambda r: r["success"])
        out.append(
            f"| {key[0]} | {key[1]} | {best['targets']} | {zero} | {best['success']:.3f} ({best['alpha']:g}) | "
            f"{best['control_success']:.3f} | {max(r['control_success'] for r in rs):.3f} |"
        )
    return "\n".join(out)


def format_groups(rows: Sequence[dict]) -> str:
    """Markdown, one row per (study unit with several seeds, method, alpha): median [min, max] over
    its seeds of success, the random direction's success and the door's share; '' if none."""
    from reddoor.lab.report import median_range, seed_group

    members: dict[str, list[str]] = {}
    for a in dict.fromkeys(r["agent"] for r in rows):
        members.setdefault(seed_group(a), []).append(a)
    members = {g: a for g, a in members.items() if len(a) > 1}
    if not members:
        return ""
    out = [
        "| seeds of | n | method | alpha | success | random direction: success | ended on the door |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for g, agents in members.items():
        mine = [r for r in rows if r["agent"] in agents]
        for m in dict.fromkeys(r["method"] for r in mine):
            for a in sorted({r["alpha"] for r in mine if r["method"] == m}):
                rs = [r for r in mine if r["method"] == m and r["alpha"] == a]
                out.append(
                    f"| {g} | {len(rs)} | {m} | {a:g} | {median_range([r['success'] for r in rs])} | "
                    f"{median_range([r['control_success'] for r in rs])} | {median_range([r['door'] for r in rs])} |"
                )
    return "\n".join(out)


CSV_COLUMNS = (
    "agent",
    "method",
    "alpha",
    "targets",
    "success",
    "success_lo",
    "success_hi",
    "door",
    "timeout",
    "control_success",
    "control_lo",
    "control_hi",
    "control_door",
    "control_timeout",
    "levels",
    "distribution",
)


def write_files(rows: Sequence[dict], out: str | Path, preamble: str, notes: Sequence[str] = ()) -> list[Path]:
    import csv
    import io

    from reddoor.game.core.safe_io import atomic_write

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, CSV_COLUMNS)
    w.writeheader()
    for r in rows:
        w.writerow(
            {
                **{k: r[k] for k in CSV_COLUMNS if k in r},
                "success_lo": r["success_ci"][0],
                "success_hi": r["success_ci"][1],
                "control_lo": r["control_ci"][0],
                "control_hi": r["control_ci"][1],
            }
        )
    # Atomic, each file: a full disk leaves the earlier tables whole and nothing half-written.
    atomic_write(out / "steer.csv", lambda f: f.write(buf.getvalue().encode()))
    text = (
        "# Steering: retargeting agents by editing their internals\n\n"
        + preamble
        + "\n\n![success against alpha](steer.png)\n\n## Summary\n\n"
        + format_summary(rows)
        + ("\n\n## Over seeds: median [min, max]\n\n" + format_groups(rows) if format_groups(rows) else "")
        + "\n\n## Every strength\n\n"
        + format_table(rows)
        + "\n"
        + "".join("\n" + n + "\n" for n in notes)
    )
    atomic_write(out / "steer.md", lambda f: f.write(text.encode()))
    plot(rows, out / "steer.png")
    return [out / "steer.md", out / "steer.csv", out / "steer.png"]


def plot(rows: Sequence[dict], path: Path) -> None:
    """Success against alpha, one panel per agent: the steering method(s) solid, the random
    direction dashed, with 95% intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    agents = list(dict.fromkeys(r["agent"] for r in rows))
    ncols = min(len(agents), 6)
    nrows = -(-len(agents) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols + 0.4, 3.1 * nrows + 0.5), squeeze=False, sharey=True)
    for ax in axes.flat[len(agents) :]:
        ax.set_visible(False)
    colours = {"direction": "#1f77b4", "cell": "#d62728", "kind-colour": "#ff7f0e"}
    for ax, agent in zip(axes.flat, agents):
        mine = [r for r in rows if r["agent"] == agent]
        xs = sorted({r["alpha"] for r in mine})
        pos = {a: i for i, a in enumerate(xs)}
        for m in dict.fromkeys(r["method"] for r in mine):
            rs = [r for r in mine if r["method"] == m]
            x = [pos[r["alpha"]] for r in rs]
            ax.plot(x, [r["success"] for r in rs], "o-", color=colours.get(m, "k"), label=m)
            ax.fill_between(
                x,
                [r["success_ci"][0] for r in rs],
                [r["success_ci"][1] for r in rs],
                color=colours.get(m, "k"),
                alpha=0.15,
            )
        rs = [r for r in mine if r["method"] == mine[0]["method"]]
        x = [pos[r["alpha"]] for r in rs]
        ax.plot(x, [r["control_success"] for r in rs], "s--", color="grey", label="random direction")
        ax.set_xticks(range(len(xs)), [f"{a:g}" for a in xs], fontsize=8)
        ax.set_xlabel("delta (score)" if "cell" in {r["method"] for r in mine} else "alpha (x direction)")
        ax.set_title(agent, fontsize=9)
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    for row in axes:
        row[0].set_ylabel("ended on the chosen object")
    fig.suptitle("Steering to one non-door object of held-out conflict levels", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# -- command line -----------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="reddoor steer",
        description="Steer an agent to one non-door object of held-out levels by editing its internals and count "
        "the episodes that end there, against the strength alpha; control: a random direction of the same norm.",
    )
    p.add_argument(
        "--agent",
        required=True,
        help="comma-separated: ppo, imitation, imitation-k8, mesa, <kind>-diverse or checkpoint paths",
    )
    p.add_argument("--distribution", default="conflict", help="the held-out levels' distribution (default conflict)")
    p.add_argument(
        "--levels",
        type=count("--levels", 1, MAX_PROBE_LEVELS),
        default=DEFAULT_LEVELS,
        help="held-out levels (every non-door object of each is a target)",
    )
    p.add_argument(
        "--fit-levels",
        type=count("--fit-levels", 1, MAX_PROBE_LEVELS),
        default=FIT_LEVELS,
        help="levels of each of train and conflict the FieldNets' direction is fitted on",
    )
    p.add_argument(
        "--alphas",
        default=None,
        help=f"comma-separated strengths (default FieldNets {','.join(f'{a:g}' for a in FIELD_ALPHAS)}; "
        f"mesa {','.join(f'{a:g}' for a in MESA_ALPHAS)})",
    )
    p.add_argument(
        "--seed",
        type=count("--seed", 0, MAX_SEED),
        default=0,
        help="block of unseen levels, the episodes' and random directions' seed",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per (agent, method, alpha), no table")
    rounds_test_option(p)
    p.add_argument("--out", default=None, help="folder to write steer.md, steer.csv and steer.png into")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    problem = output_problem(args.out, folder=True) if args.out is not None else None
    if problem:  # checked before the episodes, not after
        return fail("reddoor steer", f"--out {args.out}: {problem}")
    from reddoor.agents.loading import CheckpointError, load_agent
    from reddoor.game.core.generators import DISTRIBUTIONS

    note = lambda msg: print(msg, file=sys.stderr)
    if args.distribution not in DISTRIBUTIONS:
        return fail(
            "reddoor steer", f"unknown distribution {args.distribution!r}; expected one of {', '.join(DISTRIBUTIONS)}"
        )
    if args.levels < 1 or args.fit_levels < 1:
        return fail("reddoor steer", "--levels and --fit-levels must be at least 1")
    alphas = None
    if args.alphas:
        try:
            alphas = [float(a) for a in args.alphas.split(",") if a.strip()]
        except ValueError:
            return fail("reddoor steer", f"--alphas must be comma-separated numbers, got {args.alphas!r}")
        if not alphas or not all(np.isfinite(alphas)):
            return fail("reddoor steer", f"--alphas must be finite numbers, got {args.alphas!r}")
        if len(alphas) > MAX_ALPHAS:
            return fail("reddoor steer", f"--alphas: {len(alphas)} strengths; at most {MAX_ALPHAS} in one run")
        if max(abs(a) for a in alphas) > MAX_ALPHA:
            return fail("reddoor steer", f"--alphas: each at most {MAX_ALPHA:g} in magnitude")
    limit_blas_threads(1)
    rows, timings, notes = [], [], []
    try:
        specs = with_rounds([a.strip() for a in args.agent.split(",") if a.strip()], args.rounds_test)
    except (CheckpointError, ValueError) as e:
        return fail("reddoor steer", f"{e}")
    for spec in specs:
        try:
            agent = load_agent(spec)
            agent.name = agent_label(spec)
            t0 = time.time()
            result = run_steer(agent, args.levels, alphas, args.seed, args.distribution, fit_levels=args.fit_levels)
        except (CheckpointError, ValueError) as e:
            return fail("reddoor steer", f"{e}")
        for r in result["rows"]:
            r["rounds_test"] = agent.rounds
        elapsed = time.time() - t0
        timings.append((agent.name, elapsed))
        rows += result["rows"]
        if agent.steer_by == "score":
            notes.append(kind_colour_scores(agent))
        if args.json:
            for r in result["rows"]:
                print(json.dumps(json_safe(r), allow_nan=False), flush=True)
        extra = (
            f", direction norm {result['direction_norm']:.3f} from {result['goal_cells']} goal and {result['other_cells']} other object cells"
            if "goal_cells" in result
            else ""
        )
        note(
            f"{agent.name}: {result['targets']} targets on {args.levels} {args.distribution} levels x "
            f"{len(result['rows']) // len({r['method'] for r in result['rows']})} strengths in {elapsed:.1f} s{extra}"
        )
    if not args.json:
        print(format_table(rows))
        print("; ".join(f"{a}: {s:.1f} s" for a, s in timings))
    if args.out:
        cmd = f"Command: `python main.py steer {' '.join(argv or [])}`".rstrip()
        per = ", ".join(f"{a} {s:.1f} s" for a, s in timings)
        preamble = (
            f"{cmd}\n\nTargets: every non-door object the agent can reach on {args.levels} held-out "
            f"`{args.distribution}` levels (level seeds {eval_first_seed(args.seed) + HELD_OUT_OFFSET} + 0..{args.levels - 1}, "
            f"clear of the fit levels); success = the episode ends on it. FieldNets: alpha x the goal "
            f"direction (mean last-round hidden state at the reached object minus at the other objects, on "
            f"{args.fit_levels} fit levels each of train and conflict) added at the object's cell in every round. "
            f"mesa: delta added to that object's learned score (cell) or to its kind x colour's (kind-colour). "
            f"Control: a random direction of the same norm. Time at one thread: {per}."
        )
        try:
            paths = write_files(rows, args.out, preamble, notes)
        except OSError as e:
            return fail("reddoor steer", f"--out {args.out}: cannot write ({e.strerror or e})", 1)
        note("wrote " + ", ".join(str(p) for p in paths))
    return 0
