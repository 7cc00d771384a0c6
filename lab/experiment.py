"""`python main.py eval`: the experiment table's command line (see `--help`).

The table itself is lab/runner.py's `run_table` (agents x distributions x episodes, scored under
O_base, O_alt and any objective), the line-up lab/lineup.py's, the counterfactual columns and
interventions lab/counterfactual.py's; lab/report.py writes it; `--signature` is lab/signature.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from reddoor.agents.rollout import eval_first_seed
from reddoor.game.cli_args import (
    MAX_EPISODES,
    MAX_JOBS,
    MAX_SEED,
    Parser,
    count,
    fail,
    name_list,
    output_problem,
    rounds_test_option,
)
from reddoor.game.core.generators import DISTRIBUTIONS, TWIN_EDITS, distribution_problem
from reddoor.game.core.interventions import parse_interventions
from reddoor.game.core.objectives import other_objective_names, parse_objectives
from reddoor.lab.lineup import DECODES, expand_agents, usable_agents, with_decoding, with_rounds
from reddoor.lab.runner import available_cores, run_table

# The default table: the maze distributions of the first build (the counterfactual and open-room
# distributions are asked for by name, or all at once with --distributions all).
DEFAULT_DISTRIBUTIONS = ("train", "blue-door", "conflict", "swap", "diverse", "large")
DEFAULT_EPISODES = 500


# -- command line -----------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="reddoor eval",
        description="Score agents on distributions under O_base, O_alt and more. With no arguments: every "
        f"shipped agent plus oracle and random, on {', '.join(DEFAULT_DISTRIBUTIONS)}, {DEFAULT_EPISODES} episodes each.",
    )
    p.add_argument(
        "--agents",
        default=None,
        help="comma-separated: oracle, random, kind names (shipped train weights), <kind>-diverse, "
        "checkpoint paths, study folders (every checkpoint in their seeds/), or 'shipped' (every "
        "shipped agent, oracle and random: the default); each may add options, e.g. "
        "reflex:decode=sample, mesa:commit=threshold:0",
    )
    p.add_argument(
        "--distributions",
        type=name_list("--distributions"),
        default=list(DEFAULT_DISTRIBUTIONS),
        help=f"comma-separated, from {', '.join(DISTRIBUTIONS)}; or 'all'; or a twin D/EDIT of any of them "
        f"(EDIT one of {', '.join(TWIN_EDITS)}), e.g. conflict/both-red",
    )
    p.add_argument(
        "--episodes",
        type=count("--episodes", 1, MAX_EPISODES),
        default=DEFAULT_EPISODES,
        help=f"levels per distribution (each played once by every agent; at most {MAX_EPISODES:,})",
    )
    p.add_argument(
        "--seed",
        type=count("--seed", 0, MAX_SEED),
        default=0,
        help="which block of unseen evaluation levels (and the random agent's seed)",
    )
    p.add_argument(
        "--objectives",
        nargs="+",
        action="extend",
        default=[],
        metavar="OBJ",
        help=f"more objectives to score, separated by spaces or commas: registered names "
        f"({', '.join(other_objective_names())}) or specs such as kind=key or 'kind=ball,colour=blue' "
        "(a spec's conditions joined by commas, each on another key), e.g. --objectives ball,kind=key",
    )
    p.add_argument(
        "--decode",
        choices=DECODES,
        default=None,
        help="how agents with a distribution over moves (ppo, imitation, reflex) pick a move: greedy (the "
        "most likely), sample (a draw, seeded per agent, level and step), both (each agent twice), or "
        "default (each kind's own: ppo samples, imitation and reflex are greedy). Default: both for the "
        "table, default for --signature. An agent spec may also say it: reflex:decode=sample",
    )
    rounds_test_option(p)
    p.add_argument("--out", default=None, help="folder to write experiment.csv, experiment.md and experiment.png into")
    p.add_argument(
        "--json", action="store_true", help="print one JSON object per (agent, distribution) per line, no table"
    )
    p.add_argument(
        "--jobs",
        type=count("--jobs", 1, MAX_JOBS),
        default=None,
        help="worker processes (default: the available cores; 1 plays in this process)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--intervene",
        default=None,
        metavar="SPEC",
        help="also play the same levels changed mid-episode and report what the agents tracked: swap@K (red "
        "and blue exchanged on every object after K steps), move@K (the red non-door object nearest "
        "the agent and the door exchange cells after K steps); comma-separated for several",
    )
    p.add_argument(
        "--signature",
        action="store_true",
        help="the signature table: every shipped agent (plus --agents) on conflict-near, conflict-far, "
        "detour, doorless and conflict with swap@4 and move@4 (--intervene changes K); --out writes "
        "signature.md, signature.csv and signature.png",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from reddoor.agents.loading import CheckpointError
    from reddoor.lab import counterfactual, signature

    note = lambda msg: print(msg, file=sys.stderr)
    if args.out is not None:
        problem = output_problem(args.out, folder=True)
        if problem:  # checked before minutes of playing, not after
            return fail("reddoor eval", f"--out {args.out}: {problem}")
    if args.signature:
        return signature.main(args, argv)
    dists = list(dict.fromkeys(args.distributions))
    if dists == ["all"]:
        dists = list(DISTRIBUTIONS)
    problems = [p for p in (distribution_problem(d, draw=True) for d in dists) if p]
    if problems:
        return fail("reddoor eval", problems[0])
    try:
        interventions = parse_interventions(args.intervene) if args.intervene else []
        objectives = parse_objectives(args.objectives)
        words = ["shipped"] if args.agents is None else [a.strip() for a in args.agents.split(",") if a.strip()]
        specs = with_decoding(
            with_rounds(usable_agents(list(dict.fromkeys(expand_agents(words, note))), note), args.rounds_test),
            args.decode or "both",
        )
        if not specs:
            return fail("reddoor eval", "no agent left to evaluate")
        jobs = args.jobs or available_cores()
        t0 = time.time()
        rows = run_table(
            specs,
            dists,
            args.episodes,
            args.seed,
            objectives,
            jobs=jobs,
            progress=not args.no_progress,
            interventions=interventions,
        )
        elapsed = time.time() - t0
    except (CheckpointError, ValueError) as e:
        return fail("reddoor eval", str(e))
    from reddoor.lab.report import count, emit_rows, format_table, write_all

    def text() -> str:
        lines = [format_table(_labelled(rows))]
        extras = counterfactual.format_extras(rows)
        if extras:
            lines.append("\n" + extras)
        lines.append(
            f"{count(len(specs), 'agent')} x {count(len(dists), 'distribution')} x {count(args.episodes, 'episode')} "
            f"in {elapsed:.1f} s ({count(jobs, 'process', 'processes')}); "
            f"levels: seeds {eval_first_seed(args.seed)} + 0..{args.episodes - 1}"
        )
        return "\n".join(lines)

    title = f"{args.episodes} unseen levels per distribution (eval seed {args.seed}); bars: 95% Wilson intervals"
    return emit_rows(
        rows, args, argv, text, lambda out, preamble: write_all(_labelled(rows), out, preamble=preamble, title=title)
    )


def _labelled(rows: Sequence[dict]) -> list[dict]:
    """Rows for the table and its files: an intervened row's distribution reads e.g. 'conflict swap@4'."""
    return [
        dict(r, distribution=f"{r['distribution']} {r['intervention']['name']}") if "intervention" in r else r
        for r in rows
    ]
