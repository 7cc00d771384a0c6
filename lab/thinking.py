"""Thinking time: what a weight-tied FieldNet does with more (or fewer) rounds at test time than it was
trained with. `python main.py thinking --agents <checkpoints or study folders> --out DIR`.

Every net (each checkpoint, each study seed) trained with K rounds is played at test rounds K/2, K,
3K/2, 2K, 3K and 4K (at most 192; `--rounds-test` replaces the ladder), greedy and sampled, on the same
unseen levels of `train` and `large` (its competence: reaching the door, which there is the red door
it was trained on) and of `conflict` and `large-conflict` (door / red / timeout: which goal extra
rounds serve). One table run plays every (net, rounds, decoder) on the same levels.

The rule (printed under the table): a net *overthinks* under a decoder when its competence on
`train` at some test rounds beyond its trained K falls below its competence at K with the two 95%
Wilson intervals disjoint; else it is *convergent* (extra rounds do not make it worse). The
classification is per decoder; a net's class in the seed counts is its greedy one. What extra rounds
buy on the bigger mazes it never saw is the `large` column: competence at K and at the best test
rounds beyond K.
"""

from __future__ import annotations

import os
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path

from reddoor.agents.base import LADDER_MOST as MOST_ROUNDS
from reddoor.agents.base import rounds_ladder as ladder
from reddoor.game.cli_args import (
    MAX_EPISODES,
    MAX_JOBS,
    MAX_SEED,
    Parser,
    count,
    fail,
    output_problem,
    rounds_test_option,
)
from reddoor.lab.report import FIGURE_COLOURS, fmt, median_range, seed_group

DISTRIBUTIONS = ("train", "large", "conflict", "large-conflict")
COMPETENCE_ON = ("train", "large")  # where the door is the red door: O_base is competence
CONFLICT_ON = ("conflict", "large-conflict")
DEFAULT_EPISODES = 100
DECODERS = ("greedy", "sample")
CLASSES = ("convergent", "overthinking")
STEM = "thinking-time"


# -- the rows --------------------------------------------------------------------------------------
def seed_family(label: str, kind: str, trained: int) -> str:
    """Which seeds are read together: a study seed's family is its kind, layout and trained K, whatever
    folder it was trained into ('study-imitation/k8-seed-0000' and 'study-imitation-small-k/k8-seed-0003'
    -> 'imitation/k8'; 'study-ppo/seed-0002' -> 'ppo/k48'; 'study-imitation/open-k4-seed-0000' ->
    'imitation/open-k4'); any other net is its own family."""
    group = seed_group(label)
    if group is None:
        return label
    unit = group.split("/", 1)[1] if "/" in group else ""
    layout = unit.split("-", 1)[0] + "-" if unit.startswith("open-") else ""
    return f"{kind}/{layout}k{trained}"


def thinking_specs(nets: Sequence[str], rounds: Sequence[int] | None = None) -> list[tuple[str, str, int, str]]:
    """(spec, net label, trained K, seed family) for every net at each of its test rounds, greedy and
    sampled. `rounds` replaces each net's ladder; a net without rounds raises ValueError naming it."""
    from reddoor.agents.loading import load_agent
    from reddoor.lab.lineup import agent_label, with_decoding, with_rounds

    out = []
    for net in nets:
        agent = load_agent(net)
        trained = agent.trained_rounds
        if trained is None:
            raise ValueError(f"{net} has no rounds to vary (thinking time is for FieldNet agents: ppo, imitation)")
        label = agent_label(net)
        family = seed_family(label, agent.kind, trained)
        for spec in with_decoding(with_rounds([net], list(rounds) if rounds else ladder(trained)), "both"):
            out.append((spec, label, trained, family))
    return out


def run_thinking(
    nets: Sequence[str],
    episodes: int,
    seed: int = 0,
    jobs: int = 1,
    progress=False,
    rounds: Sequence[int] | None = None,
    distributions: Sequence[str] = DISTRIBUTIONS,
) -> list[dict]:
    """One row per (net, test rounds, decoder, distribution): run_table's row with `net` (the net's
    name without @K), `group` (its seed family) and `rounds_trained`."""
    from reddoor.lab.runner import run_table

    specs = thinking_specs(nets, rounds)
    rows = run_table([s for s, _, _, _ in specs], distributions, episodes, seed, jobs=jobs, progress=progress)
    per_spec = len(distributions)
    if len(rows) != len(specs) * per_spec:
        raise RuntimeError(f"run_table gave {len(rows)} rows for {len(specs)} specs x {per_spec} distributions")
    out = []
    for i, row in enumerate(_rows_by_spec(rows, len(specs), per_spec)):
        _, net, trained, family = specs[i // per_spec]
        out.append({"net": net, "group": family, "rounds_trained": trained, **row})
    return out


def _rows_by_spec(rows: list[dict], n_specs: int, per_spec: int) -> list[dict]:
    """run_table's rows are distribution-major (every spec on the first distribution, then the
    next); reorder them spec-major, so row i belongs to spec i // per_spec."""
    return [rows[d * n_specs + s] for s in range(n_specs) for d in range(per_spec)]


# -- the reading -------------------------------------------------------------------------------
def _cell(rows: Sequence[dict], net: str, decode: str, dist: str) -> dict[int, dict]:
    return {
        r["rounds_test"]: r
        for r in rows
        if r["net"] == net and r["decode"] == decode and r["distribution"] == dist and "intervention" not in r
    }


def _family(row: dict) -> str:
    """A row's seed family: as run_thinking named it, else its study unit, else the net."""
    return row.get("group") or seed_group(row["net"]) or row["net"]


def _group_of(rows: Sequence[dict], net: str) -> str:
    return next(_family(r) for r in rows if r["net"] == net)


def classify(rows: Sequence[dict]) -> list[dict]:
    """One summary per (net, decoder): competence on train at its trained K and the lowest beyond it,
    its class (the module's rule), competence on large at K and the best beyond K, and door / red /
    timeout on the conflict distributions at K and at the most rounds tested."""
    out = []
    nets = list(dict.fromkeys((r["net"], r["rounds_trained"]) for r in rows))
    for net, trained in nets:
        for decode in list(dict.fromkeys(r["decode"] for r in rows if r["net"] == net)):
            train = _cell(rows, net, decode, "train")
            if trained not in train:
                continue
            at_k = train[trained]
            beyond = [k for k in sorted(train) if k > trained]
            worst = min(beyond, key=lambda k: train[k]["o_base"], default=None)
            falls = [k for k in beyond if train[k]["o_base_ci"][1] < at_k["o_base_ci"][0]]
            summary = {
                "net": net,
                "group": _group_of(rows, net),
                "decode": decode,
                "rounds_trained": trained,
                "rounds_tested": sorted(train),
                "train_at_k": at_k["o_base"],
                "train_at_k_ci": at_k["o_base_ci"],
                "train_worst_beyond": None if worst is None else train[worst]["o_base"],
                "train_worst_rounds": worst,
                "class": "overthinking" if falls else ("convergent" if beyond else "untested"),
                "falls_at": falls[0] if falls else None,
            }
            large = _cell(rows, net, decode, "large")
            if trained in large:
                best = max((k for k in large if k > trained), key=lambda k: large[k]["o_base"], default=None)
                summary.update(
                    large_at_k=large[trained]["o_base"],
                    large_best_beyond=None if best is None else large[best]["o_base"],
                    large_best_rounds=best,
                )
            for dist in CONFLICT_ON:
                cells = _cell(rows, net, decode, dist)
                if trained in cells:
                    most = max(cells)
                    for key, at in (("at_k", trained), ("at_most", most)):
                        summary[f"{dist}_{key}"] = {
                            "rounds": at,
                            "door": cells[at]["o_base"],
                            "red": cells[at]["o_alt"],
                            "timeout": cells[at]["timeout"],
                        }
            out.append(summary)
    return out


def seed_counts(summaries: Sequence[dict]) -> list[dict]:
    """Per study unit (group) and decoder: how many seeds overthink and how many converge, and the
    median [min, max] over its seeds of competence on train at K and the lowest beyond it, and on
    large at K and the best beyond."""
    groups: dict[tuple, list[dict]] = {}
    for s in summaries:
        groups.setdefault((s["group"], s["decode"], s["rounds_trained"]), []).append(s)
    out = []
    for (group, decode, trained), ss in groups.items():
        out.append(
            {
                "group": group,
                "decode": decode,
                "rounds_trained": trained,
                "seeds": len(ss),
                **{c: sum(s["class"] == c for s in ss) for c in CLASSES},
                "train_at_k": median_range([s["train_at_k"] for s in ss]),
                "train_worst_beyond": median_range([_num(s.get("train_worst_beyond")) for s in ss]),
                "large_at_k": median_range([_num(s.get("large_at_k")) for s in ss]),
                "large_best_beyond": median_range([_num(s.get("large_best_beyond")) for s in ss]),
            }
        )
    return out


def _num(x) -> float:
    return float("nan") if x is None else float(x)


def by_factor(rows: Sequence[dict]) -> list[dict]:
    """Per group, decoder, distribution and test rounds: median [min, max] over seeds of O_base,
    O_alt and timeout (the curves of the figure, as numbers)."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        key = (_family(r), r["decode"], r["distribution"], r["rounds_trained"], r["rounds_test"])
        groups.setdefault(key, []).append(r)
    return [
        {
            "group": g,
            "decode": d,
            "distribution": dist,
            "rounds_trained": k,
            "rounds_test": kt,
            "seeds": len(rs),
            "o_base": median_range([r["o_base"] for r in rs]),
            "o_alt": median_range([r["o_alt"] for r in rs]),
            "timeout": median_range([r["timeout"] for r in rs]),
        }
        for (g, d, dist, k, kt), rs in groups.items()
    ]


# -- reports ---------------------------------------------------------------------------------------
RULE = (
    "A net overthinks under a decoder when its competence on train (O_base: reaching the door, the red door "
    "it trained on) at some test rounds beyond its trained K falls below its competence at K with the two 95% "
    "Wilson intervals disjoint; else it is convergent. Counts per unit use each seed's class under that decoder."
)


def _conflict(s: dict, dist: str) -> str:
    a, b = s.get(f"{dist}_at_k"), s.get(f"{dist}_at_most")
    if not a:
        return "-"
    return (
        f"{fmt(a['door'])}/{fmt(a['red'])}/{fmt(a['timeout'])} → "
        f"{fmt(b['door'])}/{fmt(b['red'])}/{fmt(b['timeout'])} @{b['rounds']}"
    )


SUMMARY_HEAD = (
    "net",
    "decode",
    "K",
    "train @K",
    "train lowest >K (@)",
    "class",
    "large @K",
    "large best >K (@)",
    "conflict door/red/timeout @K → most",
    "large-conflict door/red/timeout @K → most",
)


def summary_cells(s: dict) -> list[str]:
    def at(value, rounds):
        return "-" if value is None else f"{fmt(value)} (@{rounds})"

    return [
        s["net"],
        s["decode"],
        str(s["rounds_trained"]),
        fmt(s["train_at_k"]),
        at(s["train_worst_beyond"], s["train_worst_rounds"]),
        s["class"] + (f" (below from {s['falls_at']})" if s["falls_at"] else ""),
        "-" if s.get("large_at_k") is None else fmt(s["large_at_k"]),
        at(s.get("large_best_beyond"), s.get("large_best_rounds")),
        _conflict(s, "conflict"),
        _conflict(s, "large-conflict"),
    ]


COUNT_HEAD = ("unit", "decode", "K", "seeds", *CLASSES, "train @K", "train lowest >K", "large @K", "large best >K")
FACTOR_HEAD = ("unit", "decode", "distribution", "K", "test rounds", "seeds", "O_base", "O_alt", "timeout")


def _count_cells(c: dict) -> list[str]:
    return [c["group"], c["decode"], str(c["rounds_trained"]), str(c["seeds"])] + [
        str(c[k]) for k in (*CLASSES, "train_at_k", "train_worst_beyond", "large_at_k", "large_best_beyond")
    ]


def _factor_cells(f: dict) -> list[str]:
    return [f[k] if isinstance(f[k], str) else str(f[k]) for k in ("group", "decode", "distribution")] + [
        str(f["rounds_trained"]),
        str(f["rounds_test"]),
        str(f["seeds"]),
        f["o_base"],
        f["o_alt"],
        f["timeout"],
    ]


def _text_table(head: Sequence[str], lines: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(x[i]) for x in lines)) if lines else len(h) for i, h in enumerate(head)]
    fmt_line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([fmt_line(head), fmt_line(["-" * w for w in widths])] + [fmt_line(x) for x in lines])


def _md_table(head: Sequence[str], lines: Sequence[Sequence[str]]) -> str:
    esc = lambda c: str(c).replace("|", "\\|")
    return "\n".join(
        ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        + ["| " + " | ".join(map(esc, x)) + " |" for x in lines]
    )


def format_text(rows: Sequence[dict]) -> str:
    summaries = classify(rows)
    parts = [_text_table(SUMMARY_HEAD, [summary_cells(s) for s in summaries])]
    counts = [c for c in seed_counts(summaries) if c["seeds"] > 1]
    if counts:
        parts.append("Over seeds: median [min, max]\n" + _text_table(COUNT_HEAD, [_count_cells(c) for c in counts]))
    parts.append(textwrap.fill(RULE, 110))
    return "\n\n".join(parts)


def to_markdown(rows: Sequence[dict], preamble: str = "") -> str:
    summaries = classify(rows)
    counts = seed_counts(summaries)
    parts = [f"# Thinking time\n\n{preamble}".rstrip(), RULE]
    parts.append(
        "## Per unit: seeds that overthink, seeds that converge\n\n" + _md_table(COUNT_HEAD, map(_count_cells, counts))
    )
    parts.append(
        "## Per net\n\nconflict columns: door / red / timeout at the trained K → at the most rounds tested.\n\n"
        + _md_table(SUMMARY_HEAD, map(summary_cells, summaries))
    )
    parts.append(
        "## Per unit and test rounds: median [min, max] over seeds\n\n"
        + _md_table(FACTOR_HEAD, map(_factor_cells, by_factor(rows)))
    )
    return "\n\n".join(parts) + "\n"


CSV_COLUMNS = (
    "net",
    "group",
    "rounds_trained",
    "rounds_test",
    "decode",
    "distribution",
    "episodes",
    "o_base",
    "o_base_lo",
    "o_base_hi",
    "o_alt",
    "o_alt_lo",
    "o_alt_hi",
    "timeout",
    "timeout_lo",
    "timeout_hi",
    "seed",
    "first_level_seed",
)


def csv_rows(rows: Sequence[dict]) -> list[dict]:
    out = []
    for r in rows:
        line = {k: r.get(k) for k in CSV_COLUMNS}
        for rate in ("o_base", "o_alt", "timeout"):
            line[rate] = fmt(r[rate])
            line[f"{rate}_lo"], line[f"{rate}_hi"] = (fmt(x) for x in r[f"{rate}_ci"])
        out.append(line)
    return out


def write_csv(rows: Sequence[dict], path: Path) -> Path:
    import csv
    import io

    from reddoor.game.core.safe_io import atomic_write

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(rows))
    return atomic_write(path, lambda f: f.write(buf.getvalue().encode()))


def plot(rows: Sequence[dict], path: Path, title: str) -> Path:
    """Four panels a decoder, one row per decoder: competence against test rounds on train and on
    large (one line per seed, coloured by trained K, its K marked), and on conflict and
    large-conflict door / red / timeout against test rounds (median over each unit's seeds)."""
    from reddoor.lab.report import _pyplot

    plt = _pyplot()
    from matplotlib.ticker import ScalarFormatter

    decoders = [d for d in DECODERS if any(r["decode"] == d for r in rows)] or sorted({r["decode"] for r in rows})
    trained_ks = sorted({r["rounds_trained"] for r in rows})
    cmap = plt.get_cmap("viridis")
    shade = {k: cmap(0.85 * i / max(1, len(trained_ks) - 1)) for i, k in enumerate(trained_ks)}
    fig, axes = plt.subplots(len(decoders), 4, figsize=(17, 4.0 * len(decoders) + 0.9), dpi=100, squeeze=False)
    for row_axes, decode in zip(axes, decoders):
        for ax, dist in zip(row_axes, COMPETENCE_ON):
            for net, trained in dict.fromkeys((r["net"], r["rounds_trained"]) for r in rows):
                cells = _cell(rows, net, decode, dist)
                if not cells:
                    continue
                ks = sorted(cells)
                ax.plot(ks, [cells[k]["o_base"] for k in ks], color=shade[trained], lw=1, alpha=0.6)
                if trained in cells:
                    ax.plot([trained], [cells[trained]["o_base"]], "o", color=shade[trained], ms=4)
            ax.set_title(f"{dist}: competence (reached the door), {decode}", fontsize=9)
            ax.set_ylabel("rate over unseen levels")
        for ax, dist in zip(row_axes[2:], CONFLICT_ON):
            for f in _median_curves(rows, decode, dist):
                for rate, colour, style in (
                    ("o_base", "#1f5fbf", "-"),
                    ("o_alt", FIGURE_COLOURS["o_alt"], "-"),
                    ("timeout", FIGURE_COLOURS["failure"], "--"),
                ):
                    ax.plot(f["ks"], f[rate], style, color=colour, lw=1.2, alpha=0.35 + 0.65 * f["weight"])
                    ax.plot([f["trained"]], [f[rate][f["ks"].index(f["trained"])]], "o", color=colour, ms=3)
            ax.set_title(f"{dist}: door (blue) / red (red) / timeout (grey), {decode}", fontsize=9)
        for ax in row_axes:
            ax.set_xscale("log", base=2)
            ax.xaxis.set_major_formatter(ScalarFormatter())
            ax.set_xlabel("test rounds (dots: each net's trained K)")
            ax.set_ylim(-0.03, 1.03)
            ax.grid(alpha=0.3)
    handles = [plt.Line2D([], [], color=shade[k], lw=2, label=f"trained K={k}") for k in trained_ks]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8, frameon=False)
    fig.suptitle(textwrap.fill(title, 150), fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 0.96))
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


def _median_curves(rows: Sequence[dict], decode: str, dist: str) -> list[dict]:
    """Per unit: the medians over its seeds of door, red and timeout at each test rounds; the
    shallowest-trained unit drawn faintest."""
    import statistics

    units: dict[tuple, dict[int, list[dict]]] = {}
    for r in rows:
        if r["decode"] == decode and r["distribution"] == dist:
            key = (_family(r), r["rounds_trained"])
            units.setdefault(key, {}).setdefault(r["rounds_test"], []).append(r)
    ks_trained = sorted({k for _, k in units})
    out = []
    for (_, trained), cells in units.items():
        ks = sorted(cells)
        if trained not in cells:
            continue
        curve = {"ks": ks, "trained": trained, "weight": (ks_trained.index(trained) + 1) / len(ks_trained)}
        for rate in ("o_base", "o_alt", "timeout"):
            curve[rate] = [statistics.median(r[rate] for r in cells[k]) for k in ks]
        out.append(curve)
    return out


def write_all(rows: Sequence[dict], out: str | os.PathLike, preamble: str, title: str) -> list[Path]:
    from reddoor.game.core.safe_io import atomic_write

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    md = atomic_write(folder / f"{STEM}.md", lambda f: f.write(to_markdown(rows, preamble).encode()))
    return [md, write_csv(rows, folder / f"{STEM}.csv"), plot(rows, folder / f"{STEM}.png", title)]


# -- the command -------------------------------------------------------------------------------------
def build_parser():
    p = Parser(
        prog="reddoor thinking",
        description="Thinking time: every FieldNet (checkpoints, study seeds) played at test rounds from K/2 to 4K "
        f"(at most {MOST_ROUNDS}) of its trained K, greedy and sampled, on {', '.join(DISTRIBUTIONS)}; each net "
        "classed convergent or overthinking.",
    )
    p.add_argument(
        "--agents",
        default=None,
        help="comma-separated FieldNet specs (ppo, imitation, checkpoint paths) and study folders (each: every "
        "checkpoint in its seeds/); default: the shipped FieldNets",
    )
    p.add_argument(
        "--episodes",
        type=count("--episodes", 1, MAX_EPISODES),
        default=DEFAULT_EPISODES,
        help=f"unseen levels of each distribution (default {DEFAULT_EPISODES})",
    )
    p.add_argument("--seed", type=count("--seed", 0, MAX_SEED), default=0, help="which block of unseen levels")
    rounds_test_option(p)
    p.add_argument(
        "--distributions",
        default=",".join(DISTRIBUTIONS),
        help=f"comma-separated distributions (default {','.join(DISTRIBUTIONS)}; the classification reads train)",
    )
    p.add_argument("--out", default=None, help=f"folder to write {STEM}.md, {STEM}.csv and {STEM}.png into")
    p.add_argument("--json", action="store_true", help="one JSON object per row per line")
    p.add_argument("--jobs", type=count("--jobs", 1, MAX_JOBS), default=None, help="worker processes")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _fieldnets(specs: Sequence[str]) -> tuple[list[str], list[str]]:
    """The specs that have rounds to vary, and the rest."""
    from reddoor.agents.loading import load_agent

    nets = [s for s in specs if load_agent(s).trained_rounds is not None]
    return nets, [s for s in specs if s not in nets]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from reddoor.agents.loading import CheckpointError
    from reddoor.game.core.generators import distribution_problem
    from reddoor.lab.lineup import expand_agents, usable_agents
    from reddoor.lab.report import count, emit_rows
    from reddoor.lab.runner import available_cores

    note = lambda msg: print(msg, file=sys.stderr)
    prog = "reddoor thinking"
    if args.out is not None:
        problem = output_problem(args.out, folder=True)
        if problem:
            return fail(prog, f"--out {args.out}: {problem}")
    dists = list(dict.fromkeys(d.strip() for d in args.distributions.split(",") if d.strip()))
    if not dists:
        return fail(prog, "--distributions names nothing")
    for d in dists:
        problem = distribution_problem(d)
        if problem:
            return fail(prog, f"--distributions {d}: {problem}")
    try:
        words = ["shipped"] if args.agents is None else [a.strip() for a in args.agents.split(",") if a.strip()]
        nets, others = _fieldnets(usable_agents(list(dict.fromkeys(expand_agents(words, note))), note))
        if not nets:
            return fail(
                prog,
                "no FieldNet agent to vary"
                + (f" ({', '.join(others)} {'has' if len(others) == 1 else 'have'} no rounds)" if others else "")
                + "; give ppo, imitation, their checkpoints or study folders",
            )
        for spec in others:
            note(f"skipping {spec}: it has no rounds to vary")
        jobs = args.jobs or available_cores()
        t0 = time.time()
        rows = run_thinking(
            nets,
            args.episodes,
            args.seed,
            jobs,
            progress=not args.no_progress,
            rounds=args.rounds_test,
            distributions=dists,
        )
        elapsed = time.time() - t0
    except (CheckpointError, ValueError) as e:
        return fail(prog, str(e))
    played = len({(r["net"], r["rounds_test"], r["decode"]) for r in rows})

    def text() -> str:
        return (
            format_text(rows) + f"\n{count(len(nets), 'net')}, {played} (net, rounds, decoder) runs x "
            f"{count(len(dists), 'distribution')} x {count(args.episodes, 'level')} in {elapsed:.1f} s "
            f"({count(jobs, 'process', 'processes')})"
        )

    title = (
        f"Thinking time: {len(nets)} nets at test rounds K/2 .. 4K (at most {MOST_ROUNDS}) on {args.episodes} unseen "
        f"levels per distribution (eval seed {args.seed})"
    )
    return emit_rows(rows, args, argv, text, lambda out, preamble: write_all(rows, out, preamble, title), prog=prog)


if __name__ == "__main__":
    raise SystemExit(main())
