"""The finding page: `python main.py report finding --out docs` reads the tables other commands made
(thinking-time.csv, competence/experiment.csv, goals.csv, study-search.csv under --docs) and writes
finding.md and finding.png: the question, one figure of three panels, the answer in three sentences
whose every number names the table row it comes from, what is true by construction, and the caveats.

Nothing here runs an agent: it regenerates in a second when the tables change. A table that is
missing or lacks the rows a sentence needs is one line naming the file and what it lacks.

The panels:
  a. competence (O_base on unseen `train` mazes) against search capacity: reflex (no search), then
     FieldNets trained with K rounds, each at its trained K; one point per seed, greedy and sampled;
  b. on the `conflict` test (blue door, red object) door / red / timeout against the same dial;
  c. competence against test-time rounds for the nets trained with the most rounds, on `train` and
     on `large` (mazes bigger than any seen in training).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from reddoor.game.cli_args import Parser, fail, output_problem
from reddoor.lab.report import FIGURE_COLOURS, fmt, seed_group

STEM = "finding"
DECODERS = ("greedy", "sample")
SOURCES = {
    "thinking": "thinking-time.csv",
    "competence": "competence/experiment.csv",
    "goals": "goals.csv",
    "study": "study-search.csv",
}
QUESTION = (
    "When the door is blue and a red ball sits in the maze, does an agent trained where every door was red go "
    "to the door or to the red thing? And if it goes to the red thing competently, is that a learned optimizer "
    "pursuing the wrong goal, or a classifier that never had a goal at all?"
)
BY_CONSTRUCTION = [
    "The oracle walks a shortest path to the door: it reaches the door on every solvable level and never "
    "times out. It is the ceiling, not a finding.",
    "`mesa` picks the object its learned objective scores highest and walks to it by exact breadth-first "
    "search: its competence (1.000 on every seed) and its never timing out come from the planner. Only which "
    "object it picks is learned.",
    "A FieldNet's rounds are a dial we set: more rounds at test time is more computation by construction; "
    "whether it helps is the finding.",
]


class FindingError(ValueError):
    """A source table is missing or lacks what the page needs; the message names the file."""


# -- reading the tables ----------------------------------------------------------------------------
def read_table(path: Path) -> list[dict]:
    if not path.is_file():
        raise FindingError(f"{path}: no such table (make it with the command in docs/research.md)")
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise FindingError(f"{path}: cannot read it as a CSV table ({e})") from None
    if not rows:
        raise FindingError(f"{path}: the table has no rows")
    return rows


def _float(row: dict, key: str, path: Path) -> float:
    try:
        return float(row[key])
    except (KeyError, TypeError, ValueError):
        raise FindingError(f"{path}: a row has no number in column {key!r}") from None


class Sources:
    """The four tables, each row kept with the file it came from."""

    def __init__(self, docs: Path):
        self.docs = docs
        self.paths = {k: docs / v for k, v in SOURCES.items()}
        self.tables = {k: read_table(p) for k, p in self.paths.items()}

    def rows(self, name: str, **match) -> list[dict]:
        return [r for r in self.tables[name] if all(str(r.get(k)) == str(v) for k, v in match.items())]

    def rel(self, name: str) -> str:
        return SOURCES[name]


def _maze_family(row: dict) -> str | None:
    """'imitation/k8', 'ppo/k48' for maze-trained thinking rows (the open-room families are not on the
    maze dial)."""
    g = row.get("group") or ""
    return g if "/" in g and not g.split("/", 1)[1].startswith("open-") else None


def dial(src: Sources) -> list[dict]:
    """One entry per point on the search-capacity dial and decoder: label, x, the seeds' rows."""
    out = []
    for decode in DECODERS:
        reflex = [
            r
            for r in src.rows("competence", decode=decode, distribution="train")
            if (seed_group(r["agent"]) or "").endswith("study-reflex") and "open-" not in r["agent"]
        ]
        if reflex:
            out.append({"label": "reflex", "x": 0, "kind": "reflex", "decode": decode, "train": reflex, "conflict": []})
        families: dict[str, dict] = {}
        for r in src.tables["thinking"]:
            fam = _maze_family(r)
            if fam is None or r["decode"] != decode or r["rounds_test"] != r["rounds_trained"]:
                continue
            families.setdefault(fam, {"train": [], "conflict": []})
            if r["distribution"] in ("train", "conflict"):
                families[fam][r["distribution"]].append(r)
        for fam, cells in families.items():
            kind, k = fam.split("/k", 1)
            out.append({"label": f"K={k}", "x": int(k), "kind": kind, "decode": decode, **cells})
    return out


def med(rows: Sequence[dict], key: str, path: Path) -> tuple[float, float, float]:
    v = [_float(r, key, path) for r in rows]
    return statistics.median(v), min(v), max(v)


def mr(t: tuple[float, float, float]) -> str:
    return f"{fmt(t[0])} [{fmt(t[1])}, {fmt(t[2])}]"


def _point(points: list[dict], kind: str, label: str, decode: str) -> dict | None:
    return next((p for p in points if p["kind"] == kind and p["label"] == label and p["decode"] == decode), None)


def _deepest(src: Sources) -> tuple[str, int]:
    """The maze-trained imitation family with the most trained rounds (the thinking-time panel's nets)."""
    ks = sorted(
        {int(r["rounds_trained"]) for r in src.tables["thinking"] if (_maze_family(r) or "").startswith("imitation/")}
    )
    if not ks:
        raise FindingError(f"{src.paths['thinking']}: no maze-trained imitation nets")
    return f"imitation/k{ks[-1]}", ks[-1]


def thinking_curve(src: Sources, family: str, decode: str, dist: str) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for r in src.rows("thinking", group=family, decode=decode, distribution=dist):
        out.setdefault(int(r["rounds_test"]), []).append(r)
    return dict(sorted(out.items()))


def revealed_goals(src: Sources, unit: str, base: str = "conflict") -> dict[str, dict[str, int]]:
    """Per decoder: how many of the study unit's seeds reveal each goal on the base's twins."""
    out: dict[str, dict[str, int]] = {}
    for r in src.rows("goals", base=base):
        if seed_group(r["agent"]) == unit:
            out.setdefault(r["decode"], {}).setdefault(r["goal"] or "none", 0)
            out[r["decode"]][r["goal"] or "none"] += 1
    return out


def overthinking(src: Sources, family: str, decode: str, trained: int) -> tuple[int, int]:
    """(seeds whose train competence beyond K falls below K's with disjoint Wilson intervals, seeds)."""
    p = src.paths["thinking"]
    nets: dict[str, dict[int, dict]] = {}
    for r in src.rows("thinking", group=family, decode=decode, distribution="train"):
        nets.setdefault(r["net"], {})[int(r["rounds_test"])] = r
    falls = 0
    for cells in nets.values():
        if trained not in cells:
            continue
        lo = _float(cells[trained], "o_base_lo", p)
        falls += any(_float(c, "o_base_hi", p) < lo for k, c in cells.items() if k > trained)
    return falls, len(nets)


# -- the page --------------------------------------------------------------------------------------
def _goal_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {g}" for g, n in sorted(counts.items(), key=lambda kv: -kv[1])) or "none"


def answer(src: Sources) -> tuple[list[str], list[str]]:
    """The three sentences and, for each, where its numbers come from."""
    tp, cp = src.paths["thinking"], src.paths["competence"]
    points = dial(src)
    family, deep_k = _deepest(src)
    need = {
        "reflex greedy": _point(points, "reflex", "reflex", "greedy"),
        "K=1 greedy": _point(points, "imitation", "K=1", "greedy"),
        "deep greedy": _point(points, "imitation", f"K={deep_k}", "greedy"),
        "deep sample": _point(points, "imitation", f"K={deep_k}", "sample"),
    }
    for what, p in need.items():
        if p is None or not p["train"]:
            raise FindingError(f"{tp if 'K=' in what or 'deep' in what else cp}: no {what} competence rows on train")
    reflex = med(need["reflex greedy"]["train"], "o_base", cp)
    k1 = med(need["K=1 greedy"]["train"], "o_base", tp)
    deep_g = med(need["deep greedy"]["train"], "o_base", tp)
    deep_s = med(need["deep sample"]["train"], "o_base", tp)
    n_deep = len(need["deep greedy"]["train"])
    s1 = (
        f"On unseen training-style mazes, the share of episodes that reach the door is {mr(reflex)} for the "
        f"search-free `reflex` ({len(need['reflex greedy']['train'])} seeds, greedy), {mr(k1)} for a FieldNet "
        f"with 1 round ({len(need['K=1 greedy']['train'])} seed) and {mr(deep_g)} greedy, {mr(deep_s)} sampled "
        f"with {deep_k} rounds ({n_deep} seeds)"
        + (
            ": in mazes, capability that carries to new levels comes with search capacity."
            if deep_g[1] > max(reflex[2], k1[2])
            else ": the seed ranges overlap, so these tables do not tie competence to search capacity."
        )
    )
    t1 = (
        f"`{SOURCES['competence']}`: study-reflex maze seeds, greedy, train; `{SOURCES['thinking']}`: "
        f"imitation/k1 and {family}, rounds_test = rounds_trained, train, greedy and sample"
    )
    conf = need["deep greedy"]["conflict"]
    conf_s = need["deep sample"]["conflict"]
    if not conf or not conf_s:
        raise FindingError(f"{tp}: no {family} rows on conflict at its trained rounds")
    goals = revealed_goals(src, f"study-imitation/k{deep_k}")
    s2 = (
        f"On the conflict test (blue door, red object) those {n_deep} nets reach the door on "
        f"{mr(med(conf, 'o_base', tp))} and the red object on {mr(med(conf, 'o_alt', tp))} of levels greedy "
        f"({mr(med(conf_s, 'o_base', tp))} and {mr(med(conf_s, 'o_alt', tp))} sampled)"
        + (
            f"; on the twin levels that tell the goals apart their seeds reveal "
            f"{_goal_counts(goals.get('greedy', {}))} greedy and {_goal_counts(goals.get('sample', {}))} sampled"
            if goals
            else ""
        )
        + (
            ": the competent searchers mostly keep the intended goal, and red still pulls them."
            if med(conf, "o_base", tp)[0] > med(conf, "o_alt", tp)[0] and med(conf, "o_alt", tp)[0] > 0
            else "."
        )
    )
    t2 = f"`{SOURCES['thinking']}`: {family}, conflict, at rounds {deep_k}" + (
        f"; `{SOURCES['goals']}`: study-imitation/k{deep_k} seeds, base conflict, column goal" if goals else ""
    )
    large = thinking_curve(src, family, "greedy", "large")
    if deep_k not in large or not any(k > deep_k for k in large):
        raise FindingError(f"{tp}: no {family} rows on large at and beyond its trained rounds")
    most = max(large)
    at_k, at_most = med(large[deep_k], "o_base", tp), med(large[most], "o_base", tp)
    counts = []
    for p in sorted((p for p in points if p["kind"] == "imitation" and p["decode"] == "greedy"), key=lambda p: p["x"]):
        if len(p["train"]) > 1:
            falls, seeds = overthinking(src, f"imitation/k{p['x']}", "greedy", p["x"])
            counts.append((p["x"], falls, seeds))
    tail = ""
    if counts:
        tail = (
            "; with more rounds than trained, "
            + ", ".join(f"{f} of {n} seeds trained with {k}" for k, f, n in counts)
            + " lose competence on training mazes (disjoint 95% intervals: overthinking)"
        )
    grows = at_most[0] > at_k[2]
    s3 = (
        f"Given more rounds at test time than they trained with, the {deep_k}-round nets reach the door on "
        f"larger mazes than any they saw on {mr(at_k)} at {deep_k} rounds and {mr(at_most)} at {most} (greedy)"
        + tail
        + (
            ": nets trained with few rounds break with extra computation, those trained with many turn it into "
            "competence."
            if grows and counts and counts[0][1] * 2 > counts[0][2] and counts[-1][1] == 0
            else (": extra computation turns into competence." if grows else ".")
        )
    )
    t3 = f"`{SOURCES['thinking']}`: {family}, large, greedy, rounds_test {deep_k} and {most}" + (
        f"; imitation/k{', k'.join(str(k) for k, _, _ in counts)}, train, greedy, every rounds_test" if tail else ""
    )
    return [s1, s2, s3], [t1, t2, t3]


def caveats(src: Sources) -> list[str]:
    points = dial(src)
    seeds = sorted({(p["label"], len(p["train"])) for p in points if p["kind"] == "imitation"}, key=lambda t: t[0])
    one = [lab for lab, n in seeds if n == 1]
    return [
        "**Decoder.** Every number is given greedy (argmax) and sampled where the two differ; a timeout is a loop "
        "or the step limit, and `goals.csv` says which.",
        "**Revealed goals** are named by a stated rule (`lab/goals.py`): the goal of door, red and nearest pursued "
        "most if at least 0.5, else red door if at least 0.5, else none. Its thresholds are ours, not fitted.",
        "**Seeds per point.** "
        + ", ".join(f"{lab}: {n}" for lab, n in sorted(seeds, key=lambda t: int(t[0][2:])))
        + (f" (single seeds at {', '.join(one)}: a trend, not a distribution)." if one else "."),
        "**Insides.** These are behaviours; whether the nets contain a goal that search is aimed at is what "
        "`probe`, `steer` and the causal tests ask.",
    ]


def to_markdown(src: Sources, command: str) -> str:
    sentences, traces = answer(src)
    lines = [
        "# The finding",
        "",
        f"Made by `{command}` from `{'`, `'.join(SOURCES.values())}` (under `{src.docs}`); regenerate it when "
        "they change. Every number below is a median [min, max] over seeds and names its table.",
        "",
        "## The question",
        "",
        QUESTION,
        "",
        "![Competence against search capacity; the conflict test against search capacity; competence against "
        "test-time rounds](finding.png)",
        "",
        "## The answer",
        "",
    ]
    for i, (s, t) in enumerate(zip(sentences, traces), 1):
        lines += [f"{i}. {s}", f"   <sub>From {t}.</sub>"]
    lines += ["", "## True by construction (not findings)", ""]
    lines += [f"> - {b}" for b in BY_CONSTRUCTION]
    lines += ["", "## What to keep in mind", ""]
    lines += [f"- {c}" for c in caveats(src)]
    return "\n".join(lines) + "\n"


def plot(src: Sources, path: Path) -> Path:
    from matplotlib.ticker import ScalarFormatter

    from reddoor.lab.report import _pyplot

    plt = _pyplot()
    tp, cp = src.paths["thinking"], src.paths["competence"]
    points = dial(src)
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8), dpi=100)
    style = {"greedy": "-", "sample": "--"}
    marker = {"imitation": "o", "ppo": "^", "reflex": "s"}
    order = sorted({p["x"] for p in points})
    pos = {x: i for i, x in enumerate(order)}
    names = {x: ("reflex" if x == 0 else f"K={x}") for x in order}
    # a: competence against the dial
    ax = axes[0]
    for decode in DECODERS:
        for kind in ("reflex", "imitation", "ppo"):
            ps = sorted((p for p in points if p["kind"] == kind and p["decode"] == decode), key=lambda p: p["x"])
            if not ps:
                continue
            off = (0.12 if decode == "sample" else -0.12) + (0.06 if kind == "ppo" else 0)
            colour = FIGURE_COLOURS["o_base"] if decode == "greedy" else "#7fbf9f"
            for p in ps:
                ys = [_float(r, "o_base", tp if kind != "reflex" else cp) for r in p["train"]]
                ax.plot([pos[p["x"]] + off] * len(ys), ys, marker[kind], color=colour, ms=4, alpha=0.6, ls="none")
            if kind != "ppo":
                meds = [
                    statistics.median(_float(r, "o_base", tp if kind != "reflex" else cp) for r in p["train"])
                    for p in ps
                ]
                ax.plot([pos[p["x"]] + off for p in ps], meds, style[decode], color=colour, lw=1.2)
    ax.set_title("a. competence on unseen training mazes against search capacity", fontsize=10)
    # b: the conflict test against the dial
    ax = axes[1]
    for decode in DECODERS:
        ps = sorted(
            (p for p in points if p["kind"] == "imitation" and p["decode"] == decode and p["conflict"]),
            key=lambda p: p["x"],
        )
        for rate, colour in (
            ("o_base", "#1f5fbf"),
            ("o_alt", FIGURE_COLOURS["o_alt"]),
            ("timeout", FIGURE_COLOURS["failure"]),
        ):
            meds = [statistics.median(_float(r, rate, tp) for r in p["conflict"]) for p in ps]
            ax.plot([pos[p["x"]] for p in ps], meds, style[decode], color=colour, lw=1.3, marker="o", ms=3)
        for p in (p for p in points if p["kind"] == "ppo" and p["decode"] == decode and p["conflict"]):
            for rate, colour in (("o_base", "#1f5fbf"), ("o_alt", FIGURE_COLOURS["o_alt"])):
                ax.plot(
                    [pos[p["x"]] + 0.15],
                    [statistics.median(_float(r, rate, tp) for r in p["conflict"])],
                    "^",
                    color=colour,
                    ms=6,
                    mfc="none" if decode == "sample" else colour,
                )
    ax.set_title("b. conflict test: door (blue) / red (red) / timeout (grey)", fontsize=10)
    for ax in axes[:2]:
        ax.set_xticks(range(len(order)), [names[x] for x in order], fontsize=8)
        ax.set_xlabel("search capacity (FieldNet rounds at training; triangles: PPO)")
    # c: thinking time
    ax = axes[2]
    family, deep_k = _deepest(src)
    for dist, colour in (("train", FIGURE_COLOURS["o_base"]), ("large", "#6a3d9a")):
        for decode in DECODERS:
            curve = thinking_curve(src, family, decode, dist)
            if not curve:
                continue
            ks = list(curve)
            for net in sorted({r["net"] for rs in curve.values() for r in rs}):
                ys = [next((_float(r, "o_base", tp) for r in curve[k] if r["net"] == net), float("nan")) for k in ks]
                ax.plot(ks, ys, style[decode], color=colour, lw=0.6, alpha=0.3)
            ax.plot(
                ks,
                [statistics.median(_float(r, "o_base", tp) for r in curve[k]) for k in ks],
                style[decode],
                color=colour,
                lw=2,
                label=f"{dist}, {decode}",
            )
    ax.axvline(deep_k, color="#555", lw=0.8, ls=":")
    ticks = sorted({int(r["rounds_test"]) for r in src.rows("thinking", group=family)})
    ax.set_xscale("log", base=2)
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.xaxis.set_minor_formatter(ScalarFormatter())
    ax.xaxis.set_minor_locator(plt.NullLocator())
    ax.set_xlabel(f"test-time rounds ({family}: trained with {deep_k}, dotted)")
    ax.set_title(f"c. competence against thinking time ({family} seeds)", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    for ax in axes:
        ax.set_ylim(-0.03, 1.03)
        ax.set_ylabel("rate over unseen levels")
        ax.grid(alpha=0.3)
    fig.suptitle(
        textwrap.fill(
            "Solid: greedy (argmax); dashed: sampled. Dots: imitation FieldNets, triangles: PPO, squares: reflex; one mark or "
            "thin line per seed, thick lines the median over seeds.",
            160,
        ),
        fontsize=9,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.savefig(path)
    plt.close(fig)
    return path


def write_page(docs: str | os.PathLike, out: str | os.PathLike, command: str) -> list[Path]:
    from reddoor.game.core.safe_io import atomic_write

    src = Sources(Path(docs))
    text = to_markdown(src, command)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    md = atomic_write(out / f"{STEM}.md", lambda f: f.write(text.encode()))
    png = plot(src, out / f"{STEM}.png")
    return [md, png]


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="reddoor report",
        description="Pages made from the tables other commands wrote. `report finding`: the one-page answer "
        "(finding.md, finding.png) from thinking-time.csv, competence/experiment.csv, goals.csv and study-search.csv.",
    )
    p.add_argument("page", choices=["finding"], help="which page")
    p.add_argument("--docs", default="docs", help="the folder holding the source tables (default: docs)")
    p.add_argument("--out", default="docs", help="folder to write finding.md and finding.png into (default: docs)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    prog = "reddoor report"
    problem = output_problem(args.out, folder=True)
    if problem:
        return fail(prog, f"--out {args.out}: {problem}")
    command = "python main.py report " + " ".join(sys.argv[2:] if argv is None else argv)
    try:
        paths = write_page(args.docs, args.out, command.strip())
    except FindingError as e:
        return fail(prog, str(e), 1)
    except OSError as e:
        return fail(prog, f"--out {args.out}: cannot write ({e.strerror or e})", 1)
    print("wrote " + ", ".join(map(str, paths)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
