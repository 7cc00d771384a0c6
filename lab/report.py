"""The experiment's table as text, CSV, Markdown and a figure, and the study's table and figure.

A result row (one cell of the table, see lab/runner.py) holds, for every rate R it reports,
`R` (the rate), `R_ci` ([lo, hi], 95% Wilson) and `R_count` (episodes), plus `efficiency`,
`efficiency_ci` and `mean_steps`. CSV and Markdown are written from the same rounded strings, so
reading either back gives the same numbers (`read_csv`, `read_markdown`).
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import statistics
import sys
import textwrap
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from reddoor.game.cli_args import fail
from reddoor.game.core.objectives import CATEGORY_LABELS, NEITHER, O_ALT, O_BASE, OUTCOME_CATEGORIES, TIMEOUT

BASE, ALT = O_BASE.name, O_ALT.name

BASE_RATES = OUTCOME_CATEGORIES  # O_base, O_alt, both, neither, timeout (game/core/objectives.py)
LABELS = {**CATEGORY_LABELS, "efficiency": "efficiency"}
DECIMALS = 3
FIGURE_COLOURS = {BASE: "#2b8c6e", ALT: "#d62728", "failure": "#9e9e9e"}


# -- which columns a set of rows has ------------------------------------------------------------
def rate_names(rows: Sequence[dict]) -> list[str]:
    """O_base, O_alt, both, neither, timeout, then any extra objectives, in the rows' order."""
    names = [r for r in BASE_RATES if rows and r in rows[0]]
    for row in rows:
        for key in row:
            if key.endswith("_ci") and key[:-3] not in names and key[:-3] != "efficiency":
                names.append(key[:-3])
    return names


def count(n: int, noun: str, plural: str | None = None) -> str:
    """'1 agent', '2 agents', '0 processes': a number with its noun in the right number."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def label(name: str) -> str:
    return LABELS.get(name, name)


def agent_cell(row: dict) -> str:
    """An agent's name where one column must tell decoders apart (figures): 'reflex (sample)'."""
    decode = row.get("decode")
    return f"{row['agent']} ({decode})" if decode in ("greedy", "sample") else str(row["agent"])


def _id_columns(rows: Sequence[dict]) -> list[str]:
    """The columns that name a row: agent, decode (when the rows have it), distribution."""
    return ["agent"] + (["decode"] if rows and "decode" in rows[0] else []) + ["distribution"]


def fmt(x: float | None, missing: str = "nan") -> str:
    """One number as every report writes it; `missing` for None, NaN or infinity."""
    return missing if x is None or not math.isfinite(float(x)) else f"{x:.{DECIMALS}f}"


# -- terminal ---------------------------------------------------------------------------------
def format_table(rows: Sequence[dict]) -> str:
    """A fixed-width table for the terminal: percentages with their 95% intervals."""
    names = rate_names(rows)

    def pct(row: dict, key: str) -> str:
        v, (lo, hi) = row[key], row[f"{key}_ci"]
        if v is None or math.isnan(v):
            return "-"
        return f"{100 * v:5.1f} [{100 * lo:4.1f},{100 * hi:5.1f}]"

    ids = _id_columns(rows)
    headers = ids + ["n"] + [label(n) for n in names] + ["efficiency"]
    table = []
    for row in rows:
        table.append(
            [str(row[c]) for c in ids]
            + [str(row["episodes"])]
            + [pct(row, n) for n in names]
            + [pct(row, "efficiency")]
        )
    widths = [max(len(h), *(len(r[i]) for r in table)) if table else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(
        c.ljust(w) if i < len(ids) else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))
    )
    out = [line(headers), "  ".join("-" * w for w in widths)]
    previous = None
    for row, cells in zip(rows, table):
        if previous is not None and row["distribution"] != previous:
            out.append("")
        previous = row["distribution"]
        out.append(line(cells))
    out.append(
        "rates in % with 95% Wilson intervals; timeout = cycle (a deterministic policy's loop) + limit "
        "(the step limit reached while moving); efficiency = shortest path to what was reached / steps, over "
        "episodes that reached an object (normal 95% interval)"
    )
    return "\n".join(out)


# -- CSV --------------------------------------------------------------------------------------
def csv_columns(names: Sequence[str], ids: Sequence[str] = ("agent", "distribution")) -> list[str]:
    cols = list(ids) + ["episodes"]
    for n in names:
        cols += [n, f"{n}_lo", f"{n}_hi", f"{n}_count"]
    return cols + ["efficiency", "efficiency_lo", "efficiency_hi", "mean_steps"]


def write_csv(rows: Sequence[dict], path: str | os.PathLike) -> Path:
    path = Path(path)
    names = rate_names(rows)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        ids = _id_columns(rows)
        w.writerow(csv_columns(names, ids))
        for row in rows:
            cells = [row[c] for c in ids] + [row["episodes"]]
            for n in names:
                lo, hi = row[f"{n}_ci"]
                cells += [fmt(row[n]), fmt(lo), fmt(hi), row[f"{n}_count"]]
            lo, hi = row["efficiency_ci"]
            cells += [fmt(row["efficiency"]), fmt(lo), fmt(hi), f"{row['mean_steps']:.2f}"]
            w.writerow(cells)
    return path


def read_csv(path: str | os.PathLike) -> list[dict]:
    """Rows as written by write_csv: {agent, distribution, episodes, R: (rate, lo, hi), efficiency: (...)}."""
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        names = [c for c in reader.fieldnames or [] if f"{c}_lo" in (reader.fieldnames or [])]
        out = []
        for rec in reader:
            row = {c: rec[c] for c in ("agent", "decode", "distribution") if c in rec}
            row["episodes"] = int(rec["episodes"])
            for n in names:
                row[n] = (float(rec[n]), float(rec[f"{n}_lo"]), float(rec[f"{n}_hi"]))
            out.append(row)
    return out


# -- Markdown ---------------------------------------------------------------------------------
def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|")


def to_markdown(rows: Sequence[dict]) -> str:
    """A GitHub Markdown table: each rate as `rate [lo, hi]`."""
    names = rate_names(rows)
    ids = _id_columns(rows)
    headers = ids + ["episodes"] + [label(n) for n in names] + ["efficiency"]
    lines = [
        "| " + " | ".join(_md_escape(h) for h in headers) + " |",
        "|" + "|".join(["---"] * len(ids) + ["---:"] + ["---:"] * (len(names) + 1)) + "|",
    ]
    for row in rows:
        cells = [_md_escape(row[c]) for c in ids] + [str(row["episodes"])]
        for n in names + ["efficiency"]:
            lo, hi = row[f"{n}_ci"]
            cells.append(f"{fmt(row[n])} [{fmt(lo)}, {fmt(hi)}]")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_markdown(rows: Sequence[dict], path: str | os.PathLike, preamble: str = "") -> Path:
    path = Path(path)
    path.write_text((preamble.rstrip() + "\n\n" if preamble else "") + to_markdown(rows))
    return path


def _md_cells(line: str) -> list[str]:
    cells, cur, i, body = [], "", 0, line.strip()[1:-1]
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body) and body[i + 1] == "|":
            cur += "|"
            i += 2
            continue
        if body[i] == "|":
            cells.append(cur.strip())
            cur = ""
        else:
            cur += body[i]
        i += 1
    cells.append(cur.strip())
    return cells


def read_markdown(path: str | os.PathLike) -> list[dict]:
    """The table written by write_markdown, in read_csv's form."""
    blocks: list[list[str]] = [[]]  # the table is the last run of table lines (a summary may come first)
    for ln in Path(path).read_text().splitlines():
        if ln.strip().startswith("|"):
            blocks[-1].append(ln)
        elif blocks[-1]:
            blocks.append([])
    lines = next((b for b in reversed(blocks) if b), [])
    if len(lines) < 2:
        return []
    back = {v: k for k, v in LABELS.items()}
    headers = [back.get(h, h) for h in _md_cells(lines[0])]
    out = []
    for ln in lines[2:]:
        cells = dict(zip(headers, _md_cells(ln)))
        ids = [c for c in ("agent", "decode", "distribution") if c in cells]
        row = {c: cells[c] for c in ids}
        row["episodes"] = int(cells["episodes"])
        for h in headers[len(ids) + 1 :]:
            rate, _, interval = cells[h].partition(" [")
            lo, hi = interval.rstrip("]").split(", ")
            row[h] = (float(rate), float(lo), float(hi))
        out.append(row)
    return out


# -- figure -----------------------------------------------------------------------------------
def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot(rows: Sequence[dict], path: str | os.PathLike, title: str | None = None) -> Path:
    """Grouped bars per distribution (one panel each): for every agent O_base, O_alt and the
    capability failures (neither + timeout), each with its 95% Wilson interval."""
    from reddoor.game.core.stats import wilson

    plt = _pyplot()
    dists = list(dict.fromkeys(r["distribution"] for r in rows))
    agents = list(dict.fromkeys(agent_cell(r) for r in rows))
    cols = min(3, len(dists)) or 1
    nrows = math.ceil(len(dists) / cols) or 1
    fig, axes = plt.subplots(nrows, cols, figsize=(4.6 * cols, 3.4 * nrows + 0.6), dpi=110, squeeze=False, sharey=True)
    width = 0.27
    for ax, dist in zip(axes.flat, dists):
        cell = {agent_cell(r): r for r in rows if r["distribution"] == dist}
        xs = list(range(len(agents)))
        for j, (key, lab) in enumerate(
            ((BASE, "O_base (reached the door)"), (ALT, "O_alt (reached red)"), ("failure", "neither or timeout"))
        ):
            vals, los, his = [], [], []
            for a in agents:
                r = cell.get(a)
                if r is None:
                    vals.append(math.nan), los.append(0), his.append(0)
                    continue
                if key == "failure":
                    k = r[f"{NEITHER}_count"] + r[f"{TIMEOUT}_count"]
                    v, (lo, hi) = k / max(1, r["episodes"]), wilson(k, r["episodes"])
                else:
                    v, (lo, hi) = r[key], r[f"{key}_ci"]
                vals.append(v), los.append(max(0.0, v - lo)), his.append(max(0.0, hi - v))
            ax.bar(
                [x + (j - 1) * width for x in xs],
                vals,
                width,
                yerr=[los, his],
                capsize=2,
                color=FIGURE_COLOURS[key],
                label=lab,
                error_kw={"elinewidth": 0.8},
            )
        ax.set_title(dist)
        ax.set_xticks(xs)
        ax.set_xticklabels(agents, rotation=35, ha="right", fontsize=8)
        ax.set_ylim(0, 1.05)
        ax.grid(axis="y", alpha=0.3)
    for ax in list(axes.flat)[len(dists) :]:
        ax.axis("off")
    for ax in axes[:, 0]:
        ax.set_ylabel("share of episodes")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    top = 0.99
    if title:
        fig.suptitle(title, y=top, va="top", fontsize=10)
        top -= 0.35 / fig.get_figheight()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, top), ncol=3, frameon=False, fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, top - 0.3 / fig.get_figheight()))
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path


def seed_group(agent: str) -> str | None:
    """The study unit a seed's row belongs to ('study-imitation/k48-seed-0003' -> 'study-imitation/k48';
    with the seed's options, '…/k48-seed-0003@96' -> '…/k48@96'), or None."""
    m = re.fullmatch(r"(.+?)(?:-|/)?seed-\d+((?:@\d+)?(?::.+)?)", str(agent))
    return None if m is None else m.group(1).rstrip("-") + m.group(2)


def median_range(values: Sequence[float]) -> str:
    """median [min, max] of the finite values, '—' if none."""
    v = [x for x in values if x is not None and not math.isnan(x)]
    return "—" if not v else f"{fmt(statistics.median(v))} [{fmt(min(v))}, {fmt(max(v))}]"


def seed_medians(rows: Sequence[dict]) -> str:
    """Markdown: per study unit with two or more seed rows, decoder and distribution, the median
    [min, max] over its seeds of O_base, O_alt and timeout; '' when the rows hold no such unit."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        g = seed_group(r["agent"])
        if g is not None:
            groups.setdefault((g, r.get("decode", ""), r["distribution"]), []).append(r)
    lines = [
        f"| {g} | {d} | {dist} | {len(rs)} | "
        + " | ".join(median_range([r[k] for r in rs]) for k in (BASE, ALT, TIMEOUT))
        + " |"
        for (g, d, dist), rs in groups.items()
        if len(rs) > 1
    ]
    if not lines:
        return ""
    return (
        "\n".join(
            ["| unit | decode | distribution | seeds | O_base | O_alt | timeout |", "|---|---|---|---:|---:|---:|---:|"]
            + lines
        )
        + "\n"
    )


def write_all(
    rows: Sequence[dict],
    out_dir: str | os.PathLike,
    stem: str = "experiment",
    preamble: str = "",
    title: str | None = None,
) -> list[Path]:
    """CSV, Markdown and PNG of the table into out_dir; the Markdown starts with the medians over
    seeds when the rows are a study's seeds."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    medians = seed_medians(rows)
    if medians:
        preamble = (
            (preamble.rstrip() + "\n\n" if preamble else "")
            + "## Over seeds: median [min, max]\n\n"
            + medians
            + "\n## Every agent"
        )
    return [
        write_csv(rows, out / f"{stem}.csv"),
        write_markdown(rows, out / f"{stem}.md", preamble),
        plot(rows, out / f"{stem}.png", title),
    ]


# -- the study --------------------------------------------------------------------------------
STUDY_COLUMNS = ("seed", "train_o_base", BASE, ALT, NEITHER, TIMEOUT, "prefers")


def study_table(seeds: Iterable[dict], markdown: bool = False) -> str:
    """One line per unit (seed, or layout/K/seed in a sweep): its O_base on the training
    distribution (competence), its rates on the conflict test, its preference."""
    seeds = sorted(seeds, key=lambda r: (r.get("layout", "maze"), r.get("rounds") or 0, r["seed"]))
    swept = any(r.get("layout", "maze") != "maze" or r.get("rounds") for r in seeds)
    headers = ["seed", "train O_base", "conflict O_base", "O_alt", "neither", "timeout", "prefers"]
    table = [
        [
            str(r.get("unit", r["seed"]) if swept else r["seed"]),
            fmt(r.get("train_o_base", math.nan)),
            fmt(r[BASE]),
            fmt(r[ALT]),
            fmt(r[NEITHER]),
            fmt(r[TIMEOUT]),
            r["prefers"],
        ]
        for r in seeds
    ]
    if swept:
        headers[0] = "unit"
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(["---:"] * 6 + ["---"]) + "|"]
        return "\n".join(lines + ["| " + " | ".join(c) + " |" for c in table]) + "\n"
    widths = [max(len(h), *(len(c[i]) for c in table)) if table else len(h) for i, h in enumerate(headers)]
    fmt_line = lambda cells: "  ".join(c.rjust(w) for c, w in zip(cells, widths))
    return "\n".join([fmt_line(headers), "  ".join("-" * w for w in widths)] + [fmt_line(c) for c in table])


def split_counts(seeds: Iterable[dict]) -> dict[str, int]:
    out = {"O_base": 0, "O_alt": 0, "undecided": 0}
    for r in seeds:
        out[r["prefers"]] = out.get(r["prefers"], 0) + 1
    return out


def plot_study(seeds: Sequence[dict], path: str | os.PathLike, title: str) -> Path:
    """One point per seed: its O_alt rate (x) against its O_base rate (y) on conflict, with 95%
    Wilson intervals, coloured by which objective it prefers; the diagonal is indifference."""
    plt = _pyplot()
    colours = {"O_base": FIGURE_COLOURS[BASE], "O_alt": FIGURE_COLOURS[ALT], "undecided": "#7f7f7f"}
    fig, ax = plt.subplots(figsize=(5.2, 5.0), dpi=110)
    ax.plot([0, 1], [1, 0], color="#cccccc", lw=0.8, zorder=0)  # o_base + o_alt = 1: no capability failures
    ax.plot([0, 1], [0, 1], color="#999999", lw=0.8, ls="--", zorder=0)
    counts = split_counts(seeds)
    for pref, colour in colours.items():
        pts = [r for r in seeds if r["prefers"] == pref]
        if not pts:
            continue
        x = [r[ALT] for r in pts]
        y = [r[BASE] for r in pts]
        xerr = [
            [max(0.0, r[ALT] - r[f"{ALT}_ci"][0]) for r in pts],
            [max(0.0, r[f"{ALT}_ci"][1] - r[ALT]) for r in pts],
        ]
        yerr = [
            [max(0.0, r[BASE] - r[f"{BASE}_ci"][0]) for r in pts],
            [max(0.0, r[f"{BASE}_ci"][1] - r[BASE]) for r in pts],
        ]
        ax.errorbar(
            x,
            y,
            xerr=xerr,
            yerr=yerr,
            fmt="o",
            ms=6,
            color=colour,
            ecolor=colour,
            elinewidth=0.7,
            alpha=0.6,
            label=f"prefers {pref}: {counts[pref]}",
        )
    spots: dict[tuple[float, float], list[str]] = {}
    for r in sorted(seeds, key=lambda r: r["seed"]):  # seeds on the same spot stay countable by their labels
        spots.setdefault((round(r[ALT], 3), round(r[BASE], 3)), []).append(str(r["seed"]))
    for (x, y), names in spots.items():
        text = ",".join(names) if len(names) <= 4 else ",".join(names[:3]) + f",… ({count(len(names), 'seed')})"
        ax.annotate(
            text,
            (x, y),
            xytext=(-4 if x > 0.7 else 4, 4),
            textcoords="offset points",
            fontsize=6,
            color="#444444",
            ha="right" if x > 0.7 else "left",
        )
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("O_alt on conflict (reached something red)")
    ax.set_ylabel("O_base on conflict (reached the door)")
    ax.set_title(textwrap.fill(title, 60), fontsize=9)
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path


# -- the search-capacity dial -------------------------------------------------------------------
DIAL_MEASURES = (
    ("train_o_base", "competence (O_base, training distribution)"),
    (ALT, "proxy pursuit (O_alt, conflict test)"),
    (BASE, "O_base, conflict test"),
    (TIMEOUT, "timeout, conflict test"),
)


def dial_groups(units: Sequence[dict], order) -> list[dict]:
    """Units grouped by (layout, capacity, kind): the seeds' values of each measure."""
    groups: dict[tuple, dict] = {}
    for r in units:
        key = (r["layout"], r["capacity"], r["agent"])
        g = groups.setdefault(
            key,
            {
                "layout": r["layout"],
                "capacity": r["capacity"],
                "agent": r["agent"],
                "seeds": [],
                **{m: [] for m, _ in DIAL_MEASURES},
            },
        )
        g["seeds"].append(r["seed"])
        for m, _ in DIAL_MEASURES:
            g[m].append(float(r[m]))
    return sorted(groups.values(), key=lambda g: (g["layout"] != "maze", order(g["capacity"]), g["agent"]))


def dial_table(groups: Sequence[dict]) -> str:
    """Markdown: per layout, capacity and kind, median [min, max] over seeds of each measure."""
    headers = ["layout", "capacity", "kind", "n"] + [label for _, label in DIAL_MEASURES]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(["---"] * 3 + ["---:"] * (len(headers) - 3)) + "|"]
    for g in groups:
        cells = [g["layout"], g["capacity"], g["agent"], str(len(g["seeds"]))] + [
            median_range(g[m]) for m, _ in DIAL_MEASURES
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot_dial(units: Sequence[dict], groups: Sequence[dict], path: str | os.PathLike, order) -> Path:
    """Two panels (mazes, open rooms): x = search capacity (reflex, K = 1 .. 48, planner), y =
    competence (green), O_alt on the conflict test (red) and O_base on it (blue), one point per
    seed, medians joined; what is left of 1 on the conflict test is mostly timeouts."""
    plt = _pyplot()
    layouts = [name for name in ("maze", "open") if any(u["layout"] == name for u in units)]
    caps = sorted({u["capacity"] for u in units}, key=order)
    xpos = {c: i for i, c in enumerate(caps)}
    markers = {"reflex": "s", "imitation": "o", "ppo": "^", "mesa": "D"}  # the dial's order, reflex to planner
    spare = iter("vP*Xph")
    for u in units:  # a kind added to agents/kinds.py later gets the next spare marker
        if u["agent"] not in markers:
            markers[u["agent"]] = next(spare, "o")
    fig, axes = plt.subplots(1, len(layouts), figsize=(6.2 * len(layouts), 4.4), dpi=110, squeeze=False)
    for ax, layout in zip(axes[0], layouts):
        for measure, colour, name, offset in (
            ("train_o_base", FIGURE_COLOURS[BASE], "competence", -0.18),
            (ALT, FIGURE_COLOURS[ALT], "O_alt on conflict", 0.0),
            (BASE, "#1f5fbf", "O_base on conflict", 0.18),
        ):
            for kind, marker in markers.items():
                pts = [u for u in units if u["layout"] == layout and u["agent"] == kind]
                if not pts:
                    continue
                jitter = [((u["seed"] * 0.618) % 1 - 0.5) * 0.12 for u in pts]
                ax.scatter(
                    [xpos[u["capacity"]] + offset + j for u, j in zip(pts, jitter)],
                    [u[measure] for u in pts],
                    marker=marker,
                    s=20,
                    color=colour,
                    alpha=0.55,
                    edgecolors="none",
                    label=f"{name}: {kind}",
                )
            for kind in markers:
                gs = [g for g in groups if g["layout"] == layout and g["agent"] == kind]
                if gs:
                    meds = [statistics.median(g[measure]) for g in gs]
                    ax.plot([xpos[g["capacity"]] + offset for g in gs], meds, color=colour, lw=1, alpha=0.8)
        ax.set_xticks(range(len(caps)))
        ax.set_xticklabels(caps, rotation=30, fontsize=8)
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel("search capacity")
        ax.set_ylabel("rate over unseen levels")
        ax.set_title(
            {"maze": "mazes (train / conflict)", "open": "open rooms (open-train / open-conflict)"}[layout], fontsize=10
        )
        ax.grid(alpha=0.3)
    legend: dict = {}
    for ax in axes[0]:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(lab, h)  # every kind in either panel, once
    fig.legend(list(legend.values()), list(legend), loc="lower center", ncol=4, fontsize=7, frameon=False)
    fig.suptitle(
        textwrap.fill(
            "Competence (green: O_base on the training distribution) and, on the conflict test, O_alt "
            "(red) and O_base (blue); one point per seed, lines join medians; the rest of the conflict "
            "episodes are mostly timeouts",
            110,
        ),
        fontsize=8.5,
    )
    fig.tight_layout(rect=(0, 0.1, 1, 0.95))
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path


# -- the end of a command: JSON lines or text, then files ----------------------------------------
def json_safe(value):
    """NaN (an efficiency with no reached object) as null, so every line is strict JSON."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def emit_rows(
    rows: Sequence[dict],
    args,
    argv: Sequence[str] | None,
    text: Callable[[], str],
    write: Callable[[str, str], list],
    prog: str = "reddoor eval",
) -> int:
    """The end of `eval` and `eval --signature`: the rows as JSON lines (--json) or as text, then
    the files under --out (write(folder, preamble) -> paths); an --out that cannot be written any
    more (it was checked before the work) is one line and exit 1, the printed table kept."""
    if args.json:
        for row in rows:
            print(json.dumps(json_safe(row), allow_nan=False), flush=True)
    else:
        print(text())
    if args.out:
        try:
            command = prog.removeprefix("reddoor ")
            paths = write(args.out, f"Command: `python main.py {command} {' '.join(argv or [])}`".rstrip())
        except OSError as e:
            return fail(prog, f"--out {args.out}: cannot write ({e.strerror or e})", 1)
        print("wrote " + ", ".join(str(p) for p in paths), file=sys.stderr)
    return 0
