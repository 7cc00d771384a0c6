"""Linear probes of the FieldNets' hidden state: `python main.py probe` (see --help).

For every round t = 0..K of a FieldNet, a ridge regression from the hidden state at a cell (its
channels) to a per-cell BFS field (moves to the nearest door, red object, key, ball, box;
agents/probing.py) is fitted on levels of the fit distributions and scored by R² on held-out
levels of each, one distribution at a time. Every round is probed: the fit keeps only each
round's sufficient statistics (a (C+1)² matrix per field), so all K + 1 rounds cost one forward
pass per level. Two controls in the same run, on the same cells: the same probes on a randomly
initialised network of the same shape and rounds (torch's default initialisation), and on the
input layer (the 11 observation channels of the cell's 3x3 neighbourhood, what round 0 sees).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from reddoor.agents.probing import APP_FIELDS, FIELDS, ProbeSet, field_map, fingerprint, static_of
from reddoor.agents.rollout import eval_first_seed, play
from reddoor.game.blas import limit_blas_threads
from reddoor.game.cli_args import MAX_PROBE_LEVELS, MAX_SEED, Parser, count, fail, output_problem, rounds_test_option
from reddoor.game.core.batched import LevelPool
from reddoor.game.core.generators import DISTRIBUTIONS, TRAINING_CANVAS, generate
from reddoor.game.core.level import Level
from reddoor.lab.lineup import agent_label, with_rounds
from reddoor.lab.report import fmt, json_safe, median_range
from reddoor.lab.report import seed_group as unit_of

DEFAULT_DISTRIBUTIONS = ("train", "conflict")
DEFAULT_LEVELS = 200
RIDGE = 1e-3  # ridge penalty, relative to the mean variance of the features
BATCH = 16  # levels per forward pass
CONTROLS = ("random", "input")
FIT_LEVELS = 100  # levels per distribution a goal direction is fitted on (`goal_direction`; steer's default)


def probe_levels(distributions: Sequence[str], n: int, seed: int, held_out: bool) -> dict[str, list[Level]]:
    """n levels of each distribution: unseen evaluation seeds, the fit levels first and the held-out
    levels after them (never the same level in both)."""
    first = eval_first_seed(seed) + (n if held_out else 0)
    return {d: [generate(d, first + i) for i in range(n)] for d in distributions}


def _last_hidden(net, levels: Sequence[Level], canvas: int) -> np.ndarray:
    """(L, channels, S, S): the hidden state after the last round on each level."""
    out = np.empty((len(levels), net.p["conv_rec.weight"].shape[0], canvas, canvas), np.float32)
    statics = np.stack([static_of(lv, canvas) for lv in levels])

    def keep(t, hidden, first):
        if t == net.iterations:
            out[first : first + len(hidden)] = hidden

    net(statics, None, keep)
    return out


def goal_direction(
    agent,
    distributions: Sequence[str] = DEFAULT_DISTRIBUTIONS,
    levels: int | Sequence[Level] = FIT_LEVELS,
    seed: int = 0,
) -> dict:
    """The mean last-round hidden state at the object each episode ended on minus that at the
    level's other objects, over `levels` fit levels of each distribution (the probes' fit levels),
    or over the given levels. {"direction": (channels,), "goal_cells": n, "other_cells": n}."""
    if agent.steering is not None:
        raise ValueError("clear the agent's steering before fitting a direction")
    if isinstance(levels, int):
        lvs = [lv for ls in probe_levels(distributions, levels, seed, held_out=False).values() for lv in ls]
    else:
        lvs = list(levels)
    canvas = max([TRAINING_CANVAS] + [max(lv.height, lv.width) for lv in lvs])
    reached = play(agent, LevelPool(lvs), seed=seed)["reached_cell"]
    hidden = _last_hidden(agent.net, lvs, canvas)
    goal, other = [], []
    for i, lv in enumerate(lvs):
        r, c = (int(x) for x in reached[i])
        if r < 0:
            continue
        for rr, cc, _, _ in lv.objects():
            (goal if (rr, cc) == (r, c) else other).append(hidden[i, :, rr, cc])
    if not goal or not other:
        raise ValueError(f"{agent.name} ended too few episodes on objects to define a goal direction")
    direction = np.mean(goal, 0) - np.mean(other, 0)
    return {"direction": direction.astype(np.float32), "goal_cells": len(goal), "other_cells": len(other)}


def random_like(net, seed: int):
    """A FieldNet of the same shape and rounds with torch's default initialisation (uniform in
    ±1/sqrt(fan in), biases too), the untrained control."""
    from reddoor.agents import nn

    rng = np.random.default_rng(seed)
    params = {}
    for name, arr in net.p.items():
        w = arr if arr.ndim == 4 else net.p[name.replace("bias", "weight")]
        bound = 1.0 / np.sqrt(w.shape[1] * w.shape[2] * w.shape[3])
        params[name] = rng.uniform(-bound, bound, arr.shape).astype(np.float32)
    control = nn.FieldNet(dict(net.config), params)
    control.iterations = net.iterations  # the rounds the agent thinks for now (--rounds-test)
    return control


def input_features(statics: np.ndarray) -> np.ndarray:
    """(L, C, S, S) -> (L, 9C, S, S): the channels of each cell's 3x3 neighbourhood (zero past the
    canvas, as conv_in sees it)."""
    n, c, s, _ = statics.shape
    padded = np.zeros((n, c, s + 2, s + 2), np.float32)
    padded[:, :, 1:-1, 1:-1] = statics
    return np.concatenate([padded[:, :, i : i + s, j : j + s] for i in range(3) for j in range(3)], 1)


def level_targets(levels: Sequence[Level], canvas: int, fields: Sequence[str]) -> list[tuple]:
    """Per field: (level index, row, col, value) of every cell where the field is defined."""
    out = []
    for name in fields:
        li, rr, cc, yy = [], [], [], []
        for i, lv in enumerate(levels):
            m = field_map(lv.kind, lv.color, name)
            r, c = np.nonzero(np.isfinite(m))
            li.append(np.full(r.size, i)), rr.append(r), cc.append(c), yy.append(m[r, c].astype(np.float64))
        out.append(tuple(np.concatenate(a) for a in (li, rr, cc, yy)))
    return out


class Probes:
    """The probes of one source of features (a network's rounds, or the input): sufficient
    statistics while fitting, then weights, then held-out squared errors per distribution."""

    def __init__(self, n_fields: int, rounds: int, dim: int):
        self.xx = np.zeros((n_fields, rounds, dim + 1, dim + 1))
        self.xy = np.zeros((n_fields, rounds, dim + 1))
        self.w: np.ndarray | None = None
        self.sse: dict[str, np.ndarray] = {}

    def add(self, t: int, features: np.ndarray, targets: list[tuple]) -> None:
        for f, (li, r, c, y) in enumerate(targets):
            if y.size:
                x = np.concatenate([features[li, :, r, c].astype(np.float64), np.ones((y.size, 1))], 1)
                self.xx[f, t] += x.T @ x
                self.xy[f, t] += x.T @ y

    def solve(self) -> None:
        """Ridge weights (fields, rounds, dim + 1), the intercept last and unpenalised."""
        f_, r_, d1 = self.xy.shape
        self.w = np.zeros((f_, r_, d1))
        for f in range(f_):
            for t in range(r_):
                xx, xy = self.xx[f, t], self.xy[f, t]
                n = xx[-1, -1]
                if n < 2:
                    continue
                mx, my = xx[:-1, -1] / n, xy[-1] / n
                sxx = xx[:-1, :-1] / n - np.outer(mx, mx)
                sxy = xy[:-1] / n - mx * my
                lam = RIDGE * max(np.trace(sxx) / len(sxx), 1e-12)
                w = np.linalg.solve(sxx + lam * np.eye(len(sxx)), sxy)
                self.w[f, t, :-1], self.w[f, t, -1] = w, my - mx @ w

    def score(self, distribution: str, t: int, features: np.ndarray, targets: list[tuple]) -> None:
        sse = self.sse.setdefault(distribution, np.zeros(self.w.shape[:2]))
        for f, (li, r, c, y) in enumerate(targets):
            if y.size:
                pred = features[li, :, r, c] @ self.w[f, t, :-1] + self.w[f, t, -1]
                sse[f, t] += float(((y - pred) ** 2).sum())


def _pass(
    levels: Sequence[Level], canvas: int, fields: Sequence[str], sources: dict, nets: dict, visit: Callable
) -> dict:
    """One forward pass of every net over `levels` in batches; `visit(source, t, features, targets)`
    for every round of every net and for the input. Returns the targets' totals per field."""
    totals = np.zeros((len(fields), 3))  # n, sum y, sum y²
    for i in range(0, len(levels), BATCH):
        batch = levels[i : i + BATCH]
        statics = np.stack([static_of(lv, canvas) for lv in batch])
        targets = level_targets(batch, canvas, fields)
        for f, (_, _, _, y) in enumerate(targets):
            totals[f] += (y.size, y.sum(), (y**2).sum())
        visit(sources["input"], 0, input_features(statics), targets)
        chunks: dict[int, list[tuple]] = {}  # first level of a chunk -> its targets (the same for every round and net)

        def targets_of(first: int, n: int, chunks=chunks, targets=targets) -> list[tuple]:  # this batch's
            if first not in chunks:
                chunks[first] = _within(targets, first, n)
            return chunks[first]

        for name, net in nets.items():  # the net calls back per round for levels first .. first + len(hidden) - 1
            net(
                statics,
                None,
                lambda t, hidden, first, s=sources[name]: visit(s, t, hidden, targets_of(first, len(hidden))),
            )
    return totals


def _within(targets: list[tuple], first: int, n: int) -> list[tuple]:
    """The targets of levels first .. first + n - 1 of a batch, numbered from 0 as those levels."""
    out = []
    for li, r, c, y in targets:
        keep = (li >= first) & (li < first + n)
        out.append((li[keep] - first, r[keep], c[keep], y[keep]))
    return out


def run_probes(
    agent,
    distributions: Sequence[str] = DEFAULT_DISTRIBUTIONS,
    levels: int = DEFAULT_LEVELS,
    seed: int = 0,
    fields: Sequence[str] = FIELDS,
    level_sets: tuple[dict[str, list[Level]], dict[str, list[Level]]] | None = None,
    test_distributions: Sequence[str] | None = None,
) -> dict:
    """Fit every round's probes of `agent` (a FieldNet agent) and of both controls on `levels`
    levels of each distribution, score them on `levels` held-out levels of each of
    `test_distributions` (default: the same distributions) (or on
    `level_sets` = (fit, held out), each {name: levels}). Returns {"rows": one per (distribution,
    field, round) with r2, r2_random, r2_input and cells; "probes": the agent's ProbeSet (weights
    for every field and round, R² per distribution)}."""
    from reddoor.agents.nn import FieldNet

    net = getattr(agent, "net", None)
    if not isinstance(net, FieldNet):
        raise ValueError(f"{agent.name} is not a FieldNet agent (probes read the rounds of ppo and imitation nets)")
    if level_sets is None:
        fit = probe_levels(distributions, levels, seed, held_out=False)
        test = probe_levels(test_distributions or distributions, levels, seed, held_out=True)
    else:
        fit, test = level_sets
    canvas = max(
        [TRAINING_CANVAS] + [max(lv.height, lv.width) for ls in (fit, test) for lvs in ls.values() for lv in lvs]
    )
    k, ch = net.iterations, net.p["conv_rec.weight"].shape[0]
    nets = {"agent": net, "random": random_like(net, seed)}
    sources = {
        "agent": Probes(len(fields), k + 1, ch),
        "random": Probes(len(fields), k + 1, ch),
        "input": Probes(len(fields), 1, 9 * net.p["conv_in.weight"].shape[1]),
    }
    fit_levels = [lv for ls in fit.values() for lv in ls]
    _pass(fit_levels, canvas, fields, sources, nets, lambda s, t, x, tg: s.add(t, x, tg))
    for s in sources.values():
        s.solve()
    rows = []
    r2 = {}
    for d in test:
        totals = _pass(test[d], canvas, fields, sources, nets, lambda s, t, x, tg, d=d: s.score(d, t, x, tg))
        n, sy, syy = totals.T
        sst = syy - np.where(n > 0, sy**2 / np.maximum(n, 1), 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = {name: 1 - s.sse[d] / sst[:, None] for name, s in sources.items()}
        r2[d] = ratio["agent"].astype(np.float32)
        for f, name in enumerate(fields):
            for t in range(k + 1):
                rows.append(
                    {
                        "agent": agent.name,
                        "distribution": d,
                        "field": name,
                        "round": t,
                        "rounds": k,
                        "r2": _round(ratio["agent"][f, t]),
                        "r2_random": _round(ratio["random"][f, t]),
                        "r2_input": _round(ratio["input"][f, 0]),
                        "cells": int(n[f]),
                    }
                )
    w = sources["agent"].w
    probes = ProbeSet(
        agent.name,
        fingerprint(net.p),
        tuple(fields),
        w[:, :, :-1].astype(np.float32),
        w[:, :, -1].astype(np.float32),
        r2,
        info={"fitted_on": list(fit), "levels": len(fit_levels), "seed": seed, "ridge": RIDGE},
    )
    return {"rows": rows, "probes": probes}


def _round(x: float) -> float:
    return round(float(x), 4) if np.isfinite(x) else float("nan")


# -- tables, files, figure --------------------------------------------------------------------
def table_rounds(k: int) -> list[int]:
    """The rounds a printed table shows (the CSV and JSON have all of them)."""
    return sorted({t for t in (0, 1, 2, 4, 8, 16, 24, 32, 40, 48) if t <= k} | {k})


def format_table(rows: Sequence[dict]) -> str:
    """Markdown: per agent, distribution and field, R² at selected rounds, then the controls
    (random net at round K, input layer)."""
    out = []
    for agent in dict.fromkeys(r["agent"] for r in rows):
        mine = [r for r in rows if r["agent"] == agent]
        k = mine[0]["rounds"]
        shown = table_rounds(k)
        out.append(f"**{agent}** (K = {k}); R² on held-out levels, agent's net by round, then the controls")
        out.append("")
        out.append(
            "| distribution | field | cells | "
            + " | ".join(f"t={t}" for t in shown)
            + " | best (round) | random net, t=K | random net, best | input layer |"
        )
        out.append("|---|---|---:|" + "---:|" * len(shown) + "---:|---:|---:|---:|")
        for d in dict.fromkeys(r["distribution"] for r in mine):
            for field in dict.fromkeys(r["field"] for r in mine):
                rs = sorted(
                    (r for r in mine if r["distribution"] == d and r["field"] == field), key=lambda r: r["round"]
                )
                by_t = {r["round"]: r for r in rs}
                best = max(rs, key=lambda r: -np.inf if not np.isfinite(r["r2"]) else r["r2"])
                best_random = max((r["r2_random"] for r in rs if np.isfinite(r["r2_random"])), default=float("nan"))
                out.append(
                    f"| {d} | {field} | {rs[0]['cells']} | "
                    + " | ".join(_fmt(by_t[t]["r2"]) for t in shown)
                    + f" | {_fmt(best['r2'])} ({best['round']}) | {_fmt(by_t[k]['r2_random'])} | {_fmt(best_random)}"
                    + f" | {_fmt(rs[0]['r2_input'])} |"
                )
        out.append("")
    return "\n".join(out)


def format_summary(rows: Sequence[dict]) -> str:
    """Markdown, one row per agent: the door and red probes' best held-out R² (and its round) and
    R² at the last round, on each distribution; the controls' best for the door."""
    dists = list(dict.fromkeys(r["distribution"] for r in rows))
    head = ["agent", "K"]
    for d in dists:
        head += [f"{d}: door best (t)", f"{d}: door t=K", f"{d}: red best (t)", f"{d}: red t=K"]
    head += [f"{dists[0]}: door, random net best", f"{dists[0]}: door, input layer"]
    out = ["| " + " | ".join(head) + " |", "|---|---:|" + "---:|" * (len(head) - 2)]
    for agent in dict.fromkeys(r["agent"] for r in rows):
        mine = [r for r in rows if r["agent"] == agent]
        k = mine[0]["rounds"]
        cells = [agent, str(k)]
        for d in dists:
            for field in ("door", "red"):
                rs = [r for r in mine if r["distribution"] == d and r["field"] == field]
                best = max(rs, key=lambda r: r["r2"] if np.isfinite(r["r2"]) else -np.inf)
                last = next(r for r in rs if r["round"] == k)
                cells += [f"{_fmt(best['r2'])} ({best['round']})", _fmt(last["r2"])]
        rs = [r for r in mine if r["distribution"] == dists[0] and r["field"] == "door"]
        cells += [_fmt(max(r["r2_random"] for r in rs)), _fmt(rs[0]["r2_input"])]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def seed_group(label: str) -> str:
    """The study unit an agent label belongs to ('study-ppo/seed-0003' -> 'study-ppo'); the label
    itself for an agent that is no study's seed."""
    return unit_of(label) or label


def format_groups(rows: Sequence[dict]) -> str:
    """Markdown, one row per study unit with several seeds: median [min, max] over its seeds of the
    door and red probes' best held-out R² and the door probe's R² at the last round; '' if none."""
    agents = list(dict.fromkeys(r["agent"] for r in rows))
    groups: dict[str, list[str]] = {}
    for a in agents:
        groups.setdefault(seed_group(a), []).append(a)
    groups = {g: a for g, a in groups.items() if len(a) > 1}
    if not groups:
        return ""
    dists = list(dict.fromkeys(r["distribution"] for r in rows))
    head = (
        ["seeds of", "n"]
        + [f"{d}: {f} best" for d in dists for f in ("door", "red")]
        + [f"{d}: door t=K" for d in dists]
    )
    out = ["| " + " | ".join(head) + " |", "|---|---:|" + "---:|" * (len(head) - 2)]
    for g, members in groups.items():
        cells = [g, str(len(members))]
        for d in dists:
            for f in ("door", "red"):
                cells.append(
                    median_range(
                        [
                            max(r["r2"] for r in rows if r["agent"] == a and r["distribution"] == d and r["field"] == f)
                            for a in members
                        ]
                    )
                )
        for d in dists:
            cells.append(
                median_range(
                    [
                        next(
                            r["r2"]
                            for r in rows
                            if r["agent"] == a
                            and r["distribution"] == d
                            and r["field"] == "door"
                            and r["round"] == r["rounds"]
                        )
                        for a in members
                    ]
                )
            )
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def _fmt(x: float) -> str:
    return fmt(x, missing="—")


CSV_COLUMNS = ("agent", "distribution", "field", "round", "rounds", "r2", "r2_random", "r2_input", "cells")


def write_files(rows: Sequence[dict], out: str | Path, preamble: str) -> list[Path]:
    import csv
    import io

    from reddoor.game.core.safe_io import atomic_write

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, CSV_COLUMNS)
    w.writeheader()
    for r in rows:
        w.writerow({k: r[k] for k in CSV_COLUMNS})
    # Atomic, each file: a full disk leaves the earlier tables whole and nothing half-written.
    atomic_write(out / "probe.csv", lambda f: f.write(buf.getvalue().encode()))
    text = (
        "# Probes: what the FieldNets' hidden state encodes, round by round\n\n"
        + preamble
        + "\n\n![R² against round](probe.png)\n\n## Summary\n\n"
        + format_summary(rows)
        + "\n\n"
        + ("## Over seeds: median [min, max]\n\n" + format_groups(rows) + "\n\n" if format_groups(rows) else "")
        + "## Every field, selected rounds (all rounds in probe.csv)\n\n"
        + format_table(rows)
    )
    atomic_write(out / "probe.md", lambda f: f.write(text.encode()))
    plot(rows, out / "probe.png")
    return [out / "probe.md", out / "probe.csv", out / "probe.png"]


FIELD_COLOURS = {"door": "#1f77b4", "red": "#d62728", "key": "#2ca02c", "ball": "#9467bd", "box": "#8c564b"}


def plot(rows: Sequence[dict], path: Path) -> None:
    """R² against round, one line per field: solid the agent, dashed the random net, a dotted
    level line the input layer; one row of panels per agent, one column per distribution."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    agents = list(dict.fromkeys(r["agent"] for r in rows))
    dists = list(dict.fromkeys(r["distribution"] for r in rows))
    fields = list(dict.fromkeys(r["field"] for r in rows))
    if len(agents) > 4:
        return plot_many(rows, path)
    fig, axes = plt.subplots(
        len(agents), len(dists), figsize=(5.2 * len(dists), 2.9 * len(agents) + 0.8), squeeze=False, sharey=True
    )
    for i, agent in enumerate(agents):
        for j, d in enumerate(dists):
            ax = axes[i, j]
            for field in fields:
                rs = sorted(
                    (r for r in rows if r["agent"] == agent and r["distribution"] == d and r["field"] == field),
                    key=lambda r: r["round"],
                )
                if not rs:
                    continue
                t = [r["round"] for r in rs]
                colour = FIELD_COLOURS.get(field)
                ax.plot(t, [r["r2"] for r in rs], color=colour, lw=1.8, label=field)
                ax.plot(t, [r["r2_random"] for r in rs], color=colour, lw=1, ls="--")
                ax.axhline(rs[0]["r2_input"], color=colour, lw=1, ls=":")
            ax.set_ylim(-0.1, 1.0)
            ax.set_title(f"{agent} on {d}", fontsize=10)
            ax.grid(alpha=0.3)
            if i == len(agents) - 1:
                ax.set_xlabel("round t")
            if j == 0:
                ax.set_ylabel("held-out R²")
    handles = [plt.Line2D([], [], color=FIELD_COLOURS.get(f), lw=2, label=f"distance to {f}") for f in fields]
    handles += [
        plt.Line2D([], [], color="k", lw=1.8, label="agent's net"),
        plt.Line2D([], [], color="k", lw=1, ls="--", label="random net, same shape"),
        plt.Line2D([], [], color="k", lw=1, ls=":", label="input layer (3x3 observation)"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=8, frameon=False, bbox_to_anchor=(0.5, 0.0))
    fig.suptitle("Linear probes of the hidden state: R² against round", fontsize=11)
    fig.tight_layout(rect=(0, 0.55 / (2.9 * len(agents) + 0.8), 1, 0.97))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_many(rows: Sequence[dict], path: Path) -> None:
    """Many agents: the door and red probes only, one panel per (field, distribution), one line per
    agent (the random net's lines thin and grey, the input layer dotted)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    agents = list(dict.fromkeys(r["agent"] for r in rows))
    dists = list(dict.fromkeys(r["distribution"] for r in rows))
    fields = [f for f in ("door", "red") if any(r["field"] == f for r in rows)]
    # Seeds of one study unit share a colour and one legend entry: "study-ppo/seed-0003" -> "study-ppo".
    group = {a: seed_group(a) for a in agents}
    groups = list(dict.fromkeys(group.values()))
    size = {g: sum(1 for a in agents if group[a] == g) for g in groups}
    palette = [c for i, c in enumerate(plt.get_cmap("tab20").colors) if i not in (14, 15)]  # no grey: the controls'
    palette = palette[::2] + palette[1::2]
    fig, axes = plt.subplots(
        len(fields), len(dists), figsize=(5.4 * len(dists), 3.3 * len(fields) + 1.6), squeeze=False, sharey=True
    )
    for i, field in enumerate(fields):
        for j, d in enumerate(dists):
            ax = axes[i, j]
            labelled = set()
            for n, agent in enumerate(agents):
                rs = sorted(
                    (r for r in rows if r["agent"] == agent and r["distribution"] == d and r["field"] == field),
                    key=lambda r: r["round"],
                )
                t = [r["round"] for r in rs]
                g = group[agent]
                label = None if g in labelled else (f"{g} ({size[g]} seeds)" if size[g] > 1 else agent)
                labelled.add(g)
                ax.plot(t, [r["r2_random"] for r in rs], color="0.6", lw=0.6, ls="--")
                ax.plot(t, [r["r2"] for r in rs], color=palette[groups.index(g) % len(palette)], lw=1.3, label=label)
                if n == 0:
                    ax.axhline(rs[0]["r2_input"], color="k", lw=1, ls=":")
            ax.set_ylim(-0.1, 1.0)
            ax.set_title(f"distance to {field}, held-out {d}", fontsize=10)
            ax.grid(alpha=0.3)
            ax.set_xlabel("round t")
            if j == 0:
                ax.set_ylabel("R²")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    handles += [plt.Line2D([], [], color="0.6", lw=0.6, ls="--"), plt.Line2D([], [], color="k", lw=1, ls=":")]
    labels += ["random nets, same shapes", "input layer (3x3 observation)"]
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=7, frameon=False)
    fig.suptitle("Linear probes of the hidden state: R² against round", fontsize=11)
    fig.tight_layout(rect=(0, 1.0 / (3.3 * len(fields) + 1.6), 1, 0.96))
    fig.savefig(path, dpi=110)
    plt.close(fig)


# -- command line -----------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="reddoor probe",
        description="Fit linear probes from a FieldNet's hidden state at every round to per-cell BFS fields "
        f"(distance to the nearest {', '.join(FIELDS)}) and score R² on held-out levels; controls: a "
        "random network of the same shape and the input layer, in the same run.",
    )
    p.add_argument(
        "--agent",
        required=True,
        help="comma-separated FieldNet agents: ppo, imitation, imitation-k8, <kind>-diverse or checkpoint paths",
    )
    p.add_argument(
        "--distribution",
        default=",".join(DEFAULT_DISTRIBUTIONS),
        help="comma-separated distributions the probes are fitted on (pooled; default train,conflict)",
    )
    p.add_argument(
        "--test",
        default=None,
        help="comma-separated distributions the probes are scored on, each apart, on held-out levels "
        "(default: the --distribution ones)",
    )
    p.add_argument(
        "--levels",
        type=count("--levels", 2, MAX_PROBE_LEVELS),
        default=DEFAULT_LEVELS,
        help="levels per distribution to fit on, and as many held out",
    )
    p.add_argument(
        "--seed",
        type=count("--seed", 0, MAX_SEED),
        default=0,
        help="block of unseen evaluation levels, and the random net's seed",
    )
    p.add_argument(
        "--json", action="store_true", help="one JSON object per (agent, distribution, field, round), no table"
    )
    rounds_test_option(p)
    p.add_argument("--out", default=None, help="folder to write probe.md, probe.csv and probe.png into")
    p.add_argument(
        "--save-probes",
        default=None,
        metavar="DIR",
        help="also write each agent's probes (door and red fields, every round) and steering direction "
        "to DIR/<agent>.npz, the files the play view reads (assets/probes)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    for option, folder in (("--out", args.out), ("--save-probes", args.save_probes)):
        problem = output_problem(folder, folder=True) if folder is not None else None
        if problem:  # checked before the fits, not after
            return fail("reddoor probe", f"{option} {folder}: {problem}")
    from reddoor.agents.loading import CheckpointError, load_agent

    note = lambda msg: print(msg, file=sys.stderr)
    dists = [d.strip() for d in args.distribution.split(",") if d.strip()]
    tests = [d.strip() for d in args.test.split(",") if d.strip()] if args.test else dists
    bad = [d for d in dists + tests if d not in DISTRIBUTIONS]
    if bad or not dists or not tests:
        return fail(
            "reddoor probe",
            f"unknown distribution {bad[0] if bad else ''!r}; expected one of {', '.join(DISTRIBUTIONS)}",
        )
    if args.levels < 2:
        return fail("reddoor probe", "--levels must be at least 2")
    limit_blas_threads(1)
    rows, timings = [], []
    try:
        specs = with_rounds([a.strip() for a in args.agent.split(",") if a.strip()], args.rounds_test)
    except (CheckpointError, ValueError) as e:
        return fail("reddoor probe", f"{e}")
    for spec in specs:
        try:
            agent = load_agent(spec)
            label = agent_label(spec)
            agent.name = label
            t0 = time.time()
            result = run_probes(agent, dists, args.levels, args.seed, test_distributions=tests)
        except (CheckpointError, ValueError) as e:
            return fail("reddoor probe", f"{e}")
        for r in result["rows"]:
            r["rounds_test"] = agent.rounds
        elapsed = time.time() - t0
        timings.append((label, elapsed))
        rows += result["rows"]
        if args.save_probes:
            from reddoor.agents.probing import probe_path

            probes = result["probes"]
            keep = [probes.fields.index(f) for f in APP_FIELDS]
            probes.fields = APP_FIELDS
            probes.weights, probes.bias = probes.weights[keep], probes.bias[keep]
            probes.r2 = {d: v[keep] for d, v in probes.r2.items()}
            # the direction `steer` measures with its defaults (same fit levels, same seed)
            probes.direction = goal_direction(agent, DEFAULT_DISTRIBUTIONS, FIT_LEVELS, args.seed)["direction"]
            path = Path(args.save_probes) / probe_path(label).name
            try:
                probes.save(path)
            except OSError as e:
                return fail("reddoor probe", f"--save-probes {args.save_probes}: cannot write ({e.strerror or e})", 1)
            note(f"wrote {path} ({path.stat().st_size} bytes)")
        if args.json:
            for r in result["rows"]:
                print(json.dumps(json_safe(r), allow_nan=False), flush=True)
        note(
            f"{label}: {agent.net.iterations + 1} rounds x {len(FIELDS)} fields, {len(dists)} + {len(tests)} distributions x "
            f"{args.levels} fit + {args.levels} held-out levels in {elapsed:.1f} s"
        )
    if not args.json:
        print(format_table(rows))
        if len(timings) > 1:
            print(format_summary(rows) + "\n")
        print("; ".join(f"{a}: {s:.1f} s" for a, s in timings))
    if args.out:
        cmd = f"Command: `python main.py probe {' '.join(argv or [])}`".rstrip()
        per = ", ".join(f"{a} {s:.1f} s" for a, s in timings)
        preamble = (
            f"{cmd}\n\nEvery round t = 0..K probed. Fit on {args.levels} levels of each of {', '.join(dists)} "
            f"(pooled), R² on {args.levels} held-out levels of each of {', '.join(tests)}; ridge {RIDGE} x the mean feature variance. "
            f"Controls: a randomly initialised net of the same shape (seed {args.seed}) and the input layer "
            f"(3x3 neighbourhood of the 11 observation channels). Time at one thread: {per}."
        )
        try:
            paths = write_files(rows, args.out, preamble)
        except OSError as e:
            return fail("reddoor probe", f"--out {args.out}: cannot write ({e.strerror or e})", 1)
        note("wrote " + ", ".join(str(p) for p in paths))
    return 0
